# Benchmarks (issue 4): "make bench".  Not part of "make check": the
# programs below are built only by "make bench" (EXTRA_PROGRAMS), and the
# workloads are written under $(BENCH_WORKDIR), never into the source tree.
# docs/BENCHMARKS.md explains the figures and keeps the latest results.

BENCH_LDADD = lib/libdpi.a $(HS_LIBS) $(CRYPTO_LIBS) -lstdc++ -lm

EXTRA_PROGRAMS += bench/bench-engine
bench_bench_engine_SOURCES = bench/bench-engine.c
bench_bench_engine_CFLAGS = $(AM_CFLAGS) $(NDPI_CFLAGS)
bench_bench_engine_LDADD = $(BENCH_LDADD) $(PCAP_LIBS) $(NDPI_LIBS)

EXTRA_PROGRAMS += bench/bench-memory
bench_bench_memory_SOURCES = bench/bench-memory.c
bench_bench_memory_LDADD = $(BENCH_LDADD) $(PCAP_LIBS)

EXTRA_PROGRAMS += bench/bench-sigcompile
bench_bench_sigcompile_SOURCES = bench/bench-sigcompile.c
bench_bench_sigcompile_LDADD = $(BENCH_LDADD)

BENCH_BINS = \
	bench/bench-engine \
	bench/bench-memory \
	bench/bench-sigcompile
CLEANFILES += $(BENCH_BINS)

EXTRA_DIST += \
	bench/gen-hosts-sig.sh \
	bench/gen-longflows.py \
	bench/ovs-summary.py \
	bench/run-all.sh \
	bench/run-memory.sh \
	bench/run-ovs.sh \
	bench/run-throughput.sh \
	docs/BENCHMARKS.md

# Where "make bench" writes its workloads and results.
BENCH_WORKDIR = $${TMPDIR:-/tmp}/ovs-dpi-bench

# 'bench' is also a directory of the build tree: bench-force makes the
# target always run (.PHONY cannot be used here: Makefile.am declares it
# under a conditional).
bench: bench-force $(BENCH_BINS) utilities/dpi-classify lib/ovs-dpi.sig
	BENCH_BUILDDIR='$(abs_top_builddir)' \
	BENCH_SRCDIR='$(abs_top_srcdir)' \
	BENCH_WORKDIR="$(BENCH_WORKDIR)" \
	DPI_CORPUS_DIR='$(DPI_CORPUS_DIR)' \
	  $(SHELL) $(srcdir)/bench/run-all.sh
bench-force:
