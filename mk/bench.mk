# make bench: the benchmark kit (bench/run.sh); not part of make check.
.PHONY: bench bench-quick
bench:
	bash bench/run.sh

# One small size, for trying the kit.
bench-quick:
	bash bench/run.sh --sizes 1000 --runs 3 --no-write
