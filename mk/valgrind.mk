# Valgrind memcheck over a plain build (no sanitizers): issue 11, part 2.
#
#   make check-valgrind   build in build-valgrind, then run every unit test,
#                         every fuzz seed replay and the CLI tests
#                         (tests/cli/*.sh, vmxguard wrapped in valgrind)
#
# Any memcheck error or definite leak fails the target: the unit tests and
# replays exit 1 on one (--error-exitcode), and every log of the wrapped CLI
# runs is scanned for a non-zero "ERROR SUMMARY" afterwards (the log folder
# is 1777: some CLI tests run vmxguard as another user).  The CLI tests
# that need a bare binary (strace counts its execve calls; tmux drives a
# terminal; gigabyte inputs), a kill timing or the bare binary (install)
# are listed in
# VALGRIND_CLI_SKIP; everything else runs.  Takes ~30-60 minutes on 2 cores,
# so it is not part of make check.

VALGRIND_BUILD    ?= build-valgrind
VALGRIND_SUPP     := $(VALGRIND_BUILD)/glibc.supp
VALGRIND_OPTS     ?= --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite \
                     --show-leak-kinds=definite --num-callers=30 --suppressions=$(abspath $(VALGRIND_SUPP))
VALGRIND_CLI_SKIP ?= safe_defaults hostile_files fix_kill fix_tty progress_tty install
# subsets, e.g. make check-valgrind VALGRIND_UNIT= VALGRIND_FUZZ= VALGRIND_CLI=tests/cli/vmx_dump.sh
VALGRIND_UNIT     ?= $(wildcard tests/unit/*/test_*.c)
VALGRIND_FUZZ     ?= $(wildcard tests/fuzz/fuzz_*.c)
VALGRIND_CLI      ?= $(wildcard tests/cli/*.sh)
VALGRIND_TIMEOUT  ?= 1800

.PHONY: check-valgrind valgrind-build

$(VALGRIND_BUILD)/build.ninja:
	cmake -S . -B $(VALGRIND_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVG_SANITIZE=OFF $(CMAKE_ARGS)

valgrind-build: $(VALGRIND_BUILD)/build.ninja
	cmake --build $(VALGRIND_BUILD) -j $(JOBS)

# glibc's ld.so reads 8 bytes at a time past a short string in strncmp
# (is_dst) when iconv_open loads a gconv module: a known false positive of
# memcheck on Debian 12's glibc, nothing of ours.
$(VALGRIND_SUPP): mk/valgrind.mk
	@mkdir -p $(VALGRIND_BUILD)
	@printf '%s\n' '{' '   glibc-ld.so-is_dst-strncmp' '   Memcheck:Addr8' '   fun:strncmp' \
	  '   fun:is_dst' '   ...' '   fun:_dl_map_object' '}' > $@

check-valgrind: valgrind-build $(VALGRIND_SUPP)
	@command -v valgrind >/dev/null || { echo "valgrind missing: make deps"; exit 1; }
	@set -u; B=$(abspath $(VALGRIND_BUILD)); logs=$$B/valgrind-logs; \
	rm -rf "$$logs"; mkdir -p "$$logs"; chmod 1777 "$$logs"; failed=""; \
	printf '#!/bin/sh\nexec valgrind $(VALGRIND_OPTS) --log-file=%s/cli-%%p.log %s/vmxguard "$$@"\n' \
	  "$$logs" "$$B" > "$$B/vmxguard-valgrind"; chmod 755 "$$B/vmxguard-valgrind"; \
	for src in $(VALGRIND_UNIT); do \
	  m=$$(basename $$(dirname $$src)); tn=$$(basename $$src .c); \
	  echo "valgrind: unit/$$m/$$tn"; \
	  ( cd tests/unit/$$m && timeout $(VALGRIND_TIMEOUT) valgrind $(VALGRIND_OPTS) \
	      --log-file=$$logs/unit-$$m-$$tn.log $$B/unit_$${m}_$$tn >/dev/null 2>&1 ) || \
	    failed="$$failed unit/$$m/$$tn"; \
	done; \
	for src in $(VALGRIND_FUZZ); do \
	  t=$$(basename $$src .c); [ -d tests/fuzz/seeds/$$t ] || continue; \
	  echo "valgrind: fuzz/$$t"; \
	  timeout $(VALGRIND_TIMEOUT) valgrind $(VALGRIND_OPTS) --log-file=$$logs/fuzz-$$t.log \
	    $$B/$$t tests/fuzz/seeds/$$t >/dev/null 2>&1 || failed="$$failed fuzz/$$t"; \
	done; \
	for t in $(VALGRIND_CLI); do \
	  n=$$(basename $$t .sh); \
	  case " $(VALGRIND_CLI_SKIP) " in *" $$n "*) echo "valgrind: cli/$$n skipped (VALGRIND_CLI_SKIP)"; continue;; esac; \
	  echo "valgrind: cli/$$n"; \
	  VMXGUARD=$$B/vmxguard-valgrind VG_SOURCE_DIR=$(CURDIR) VG_BINARY_DIR=$$B \
	    timeout $(VALGRIND_TIMEOUT) bash $$t > $$logs/cli-$$n.out 2>&1; rc=$$?; \
	  case $$rc in 0|77) ;; *) failed="$$failed cli/$$n(exit-$$rc)";; esac; \
	done; \
	bad=$$(grep -l 'ERROR SUMMARY: [1-9]' $$logs/*.log 2>/dev/null); \
	for f in $$bad; do echo "--- $$f"; head -60 $$f; failed="$$failed $$(basename $$f .log)"; done; \
	echo "valgrind logs: $$logs"; \
	if [ -n "$$failed" ]; then echo "check-valgrind FAILED:$$failed"; exit 1; fi; \
	echo "check-valgrind: no memcheck errors, no definite leaks"
