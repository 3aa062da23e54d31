# Fuzzing with libFuzzer (clang): every tests/fuzz/fuzz_*.c target.
#
#   make fuzz         build in build-fuzz and run each target FUZZ_SECONDS (300)
#   make fuzz-smoke   the same for 20 seconds per target
#
# Each target starts from tests/fuzz/seeds/<target>/ (plus the shared
# corpus of .vmx and related files for fuzz_vmx); new inputs go to
# build-fuzz/corpus/<target>/, findings to build-fuzz/artifacts/.  A finding
# fails the make; copy its input into the seeds folder with the fix, so the
# regular test run replays it.

FUZZ_BUILD   ?= build-fuzz
FUZZ_SECONDS ?= 300
FUZZ_ARGS    ?= -max_len=16384 -timeout=10 -rss_limit_mb=2048
FUZZ_SHARED  ?= $(CURDIR)/../shared/corpus
FUZZ_TARGETS := $(sort $(basename $(notdir $(wildcard tests/fuzz/fuzz_*.c))))

# extra read-only seed folders per target
FUZZ_EXTRA_fuzz_vmx = $(FUZZ_SHARED)/vmx $(FUZZ_SHARED)/related

.PHONY: fuzz fuzz-smoke fuzz-build

$(FUZZ_BUILD)/build.ninja:
	CC=clang cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DVG_FUZZ=ON -DVG_WERROR=OFF $(CMAKE_ARGS)

fuzz-build: $(FUZZ_BUILD)/build.ninja
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target $(FUZZ_TARGETS)

fuzz: fuzz-build
	@set -e; for t in $(FUZZ_TARGETS); do \
	  mkdir -p $(FUZZ_BUILD)/corpus/$$t $(FUZZ_BUILD)/artifacts; \
	  extra=""; \
	  case $$t in fuzz_vmx) extra="$(FUZZ_EXTRA_fuzz_vmx)";; esac; \
	  for d in $$extra; do [ -d "$$d" ] || { echo "fuzz: missing seed folder $$d" >&2; exit 1; }; done; \
	  seeds=""; [ -d tests/fuzz/seeds/$$t ] && seeds=tests/fuzz/seeds/$$t; \
	  echo "fuzz: $$t for $(FUZZ_SECONDS)s"; \
	  $(FUZZ_BUILD)/$$t $(FUZZ_BUILD)/corpus/$$t $$seeds $$extra \
	    -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	    -artifact_prefix=$(FUZZ_BUILD)/artifacts/$$t- $(FUZZ_ARGS); \
	done

fuzz-smoke:
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=20
