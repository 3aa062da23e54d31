# vmware.log benchmark (not part of make check): a generated 2 GiB log,
# throughput and peak RSS of `vmxguard logs`; numbers go to docs/logs.md.
#   make bench-logs               2 GiB
#   make bench-logs LOGS_MB=256   smaller, for trying it
LOGS_MB ?= 2048
.PHONY: bench-logs
bench-logs: build
	VMXGUARD=$(BUILD)/vmxguard bash bench/logs_bench.sh $(LOGS_MB)
