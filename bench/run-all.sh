#! /bin/sh
# Copyright (c) 2026 The ovs-dpi authors.
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at:
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.

# run-all.sh: the benchmarks of docs/BENCHMARKS.md, run by "make bench".
#
# Environment: BENCH_BUILDDIR, BENCH_SRCDIR (set by make), BENCH_WORKDIR
# (workloads and results; default /tmp/ovs-dpi-bench), DPI_CORPUS_DIR (the
# corpus; default /work/shared/corpus), BENCH_ROUNDS (default 5),
# BENCH_BIG=1 to add the 10 M connection memory runs (several GB of RAM),
# BENCH_ONLY=throughput|engine|memory|sigcompile to run one part.

set -e
b=${BENCH_BUILDDIR:-.}
s=${BENCH_SRCDIR:-.}
w=${BENCH_WORKDIR:-${TMPDIR:-/tmp}/ovs-dpi-bench}
corpus=${DPI_CORPUS_DIR:-/work/shared/corpus}
rounds=${BENCH_ROUNDS:-5}
only=${BENCH_ONLY:-}
mkdir -p "$w"
out="$w/results-$(date -u +%Y%m%dT%H%M%SZ).txt"

want () {
    test -z "$only" || test "$only" = "$1"
}

main () {
echo "# ovs-dpi benchmarks, $(date -u)"
echo "## machine"
lscpu | grep -E '^(Model name|CPU\(s\)|Thread|Core|Socket|Hypervisor|L[123])'
uname -sr
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
free -m | head -2
dpkg-query -W -f '${Package} ${Version}\n' libndpi-bin libhyperscan5 \
    libpcap0.8 libssl3 gcc 2>/dev/null || true
(cd "$s" && git log -1 --format='source: %h %s' 2>/dev/null) || true

# Workloads.
if want throughput || want engine; then
    if test ! -s "$w/dev-x20.pcap"; then
        mergecap -a -F pcap -w "$w/dev-concat.pcap" "$corpus"/pcap/*
        /usr/bin/python3 "$corpus/tools/amplify-pcap.py" -n 20 \
            "$w/dev-concat.pcap" "$w/dev-x20.pcap"
    fi
    if test ! -s "$w/longflows.pcap"; then
        /usr/bin/python3 "$s/bench/gen-longflows.py" "$w/longflows.pcap"
    fi
fi

if want throughput; then
    for f in dev-x20 longflows; do
        echo "## 1a. dpi-classify vs ndpiReader: $f ($rounds rounds)"
        $SHELL "$s/bench/run-throughput.sh" "$rounds" \
            "$b/utilities/dpi-classify" "$w/$f.pcap"
    done
fi

if want engine; then
    for f in dev-x20 longflows; do
        echo "## 1b. in-memory libdpi vs libndpi: $f ($rounds rounds)"
        echo "# $b/bench/bench-engine --rounds $rounds $w/$f.pcap"
        "$b/bench/bench-engine" --rounds "$rounds" "$w/$f.pcap"
    done
    echo "## 1b. upper bound: libdpi inspecting nothing: dev-x20" \
         "($rounds rounds)"
    echo "# $b/bench/bench-engine --rounds $rounds --inspect-packets 0" \
         "$w/dev-x20.pcap"
    "$b/bench/bench-engine" --rounds "$rounds" --inspect-packets 0 \
        "$w/dev-x20.pcap"
fi

if want memory; then
    echo "## 2. memory per connection"
    m=$s/bench/run-memory.sh
    $SHELL "$m" "$b/bench/bench-memory" --conns 1000000 \
        --max-flows 1048576 --payload http --lower-to 65536
    $SHELL "$m" "$b/bench/bench-memory" --conns 1000000 \
        --max-flows 1048576 --payload junk --lower-to 65536
    $SHELL "$m" "$b/bench/bench-memory" --conns 1000000 --payload http
    $SHELL "$m" "$b/bench/bench-memory" "$corpus"/pcap/*
    # A PMD-like thread's packets while and after the main thread expires
    # the default table's worth of connections: with glibc's fast bins,
    # as a program that does not change them, then without, as
    # ovs-vswitchd runs once it has an engine (README, BENCHMARKS 0l).
    echo "## 2. stall after an expiry: glibc.malloc.mxfast=128 (default)"
    GLIBC_TUNABLES=glibc.malloc.mxfast=128 \
        $SHELL "$m" "$b/bench/bench-memory" --conns 262144 --stall 4096
    echo "## 2. stall after an expiry: glibc.malloc.mxfast=0"
    GLIBC_TUNABLES=glibc.malloc.mxfast=0 \
        $SHELL "$m" "$b/bench/bench-memory" --conns 262144 --stall 4096
    # The slowest of 4 M connection-creating SYNs, as the stripes' hash
    # buckets grow (BENCHMARKS 0m).
    echo "## 2. slowest new connections while the table grows"
    $SHELL "$m" "$b/bench/bench-memory" --conns 4194304 \
        --max-flows 16777216 --time-syns
    if test "${BENCH_BIG:-0}" = 1; then
        $SHELL "$m" "$b/bench/bench-memory" --conns 10000000 \
            --max-flows 10485760 --payload http
        $SHELL "$m" "$b/bench/bench-memory" --conns 10000000 --payload http
    fi
fi

if want sigcompile; then
    echo "## 3. signature compile time"
    $SHELL "$s/bench/gen-hosts-sig.sh" "$b/lib/ovs-dpi.sig" 2000 \
        > "$w/hosts2000.sig"
    echo "# $b/bench/bench-sigcompile --rounds $rounds lib/ovs-dpi.sig" \
        "$w/hosts2000.sig"
    "$b/bench/bench-sigcompile" --rounds "$rounds" "$b/lib/ovs-dpi.sig" \
        "$w/hosts2000.sig"
fi

}

main 2>&1 | tee "$out"
echo "results: $out"
