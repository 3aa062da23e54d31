# make stress: long fault runs kept out of `make check` (which runs 5 rounds).
# SIGKILL during `vmxguard fix` over 1,000 files, STRESS_ROUNDS times, on the
# release build; every file must stay original or fully fixed.
STRESS_ROUNDS ?= 200

.PHONY: stress
stress: build
	VMXGUARD=$(CURDIR)/$(BUILD)/vmxguard VG_SOURCE_DIR=$(CURDIR) VG_BINARY_DIR=$(CURDIR)/$(BUILD) \
	  FIX_KILL_ROUNDS=$(STRESS_ROUNDS) bash tests/cli/fix_kill.sh
