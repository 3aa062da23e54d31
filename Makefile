# vmxguard — the front door.  CMake + ctest do the work underneath.
#
#   make demo    install what building needs (scripts/deps/build-*.txt), build,
#                audit the bundled sample
#   make check   install the test tools too (every scripts/deps/*.txt), run the
#                scripts/setup.d/ steps, build with ASan+UBSan, run every test
#
# Further targets come from mk/*.mk (fuzz, static, install, bench, ...).

BUILD      ?= build
ASAN_BUILD ?= build-asan
CMAKE_ARGS ?=
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
CTEST_ARGS ?=

.PHONY: all deps deps-build build demo check check-werror test clean

all: build

# Everything make check needs; deps-build only what building and running needs.
deps:
	@bash scripts/install-deps.sh check

deps-build:
	@bash scripts/install-deps.sh build

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_ARGS)

build: $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

demo: deps-build build
	@echo
	@echo '$$ vmxguard audit examples/datastore1'
	@$(BUILD)/vmxguard audit examples/datastore1; rc=$$?; \
	  echo; echo "(exit code $$rc: 0 = compliant, 1 = findings, 2 = input errors)"; \
	  [ $$rc -le 1 ]

$(ASAN_BUILD)/build.ninja:
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVG_SANITIZE=ON $(CMAKE_ARGS)

# The whole suite, under AddressSanitizer and UndefinedBehaviorSanitizer.
# ctest's closing line ("100% tests passed, 0 tests failed out of N") is last.
check: deps build $(ASAN_BUILD)/build.ninja
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	@for s in scripts/setup.d/*.sh; do [ -e "$$s" ] || continue; \
	  echo "setup: $$s"; bash "$$s" || exit 1; done
	@# Bounded fuzzing of every parser of untrusted input (make fuzz runs longer).
	$(MAKE) --no-print-directory fuzz-smoke
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) build-*

-include mk/*.mk
