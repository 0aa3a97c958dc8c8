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

# run-throughput.sh ROUNDS DPI_CLASSIFY FILE.pcap: runs dpi-classify (TSV
# output to /dev/null) and Debian's ndpiReader 4.2 (one thread) on FILE
# alternately, ROUNDS rounds (the order flips every round), each under
# /usr/bin/time.  Prints every run and the medians of packets/s and ns per
# packet, on wall-clock and on CPU (user+sys) time, and their ratio.

set -e
rounds=$1
classify=$2
file=$3
protos=${NDPI_PROTOS:-/usr/share/ndpi/ndpiProtos.txt}
tmp=${TMPDIR:-/tmp}/run-throughput.$$
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT

pkts=$(capinfos -M -c "$file" | awk -F': *' '/Number of packets/ { print $2 }')
echo "# $file: $pkts packets"
echo "# dpi-classify: $classify $file > /dev/null"
echo "# ndpiReader:   ndpiReader -i $file -t -p $protos > OUT"

run_dpi () {
    /usr/bin/time -f '%e %U %S %M' -o "$tmp/time" \
        "$classify" "$file" > /dev/null
    set -- $(cat "$tmp/time")
    echo "dpi-classify $r $1 $2 $3 $4" >> "$tmp/runs"
}

run_ndpi () {
    /usr/bin/time -f '%e %U %S %M' -o "$tmp/time" \
        ndpiReader -i "$file" -t -p "$protos" > "$tmp/ndpi.out" 2>&1
    set -- $(cat "$tmp/time")
    self=$(awk '/Packet Processing Time/ { print $(NF-1) }' "$tmp/ndpi.out")
    echo "ndpiReader $r $1 $2 $3 $4 $self" >> "$tmp/runs"
}

: > "$tmp/runs"
r=1
while test $r -le "$rounds"; do
    if test $((r % 2)) = 1; then
        run_dpi; run_ndpi
    else
        run_ndpi; run_dpi
    fi
    r=$((r + 1))
done

/usr/bin/python3 - "$tmp/runs" "$pkts" <<'PYEOF'
import statistics
import sys

pkts = int(sys.argv[2])
runs = {}
print("%-12s %5s %8s %8s %10s %10s %10s %10s %9s" % (
    "tool", "round", "wall_s", "cpu_s", "wall_Kpps", "cpu_Kpps",
    "wall_ns/p", "cpu_ns/p", "maxrss_MB"))
for line in open(sys.argv[1]):
    f = line.split()
    wall, cpu, rss = float(f[2]), float(f[3]) + float(f[4]), int(f[5])
    runs.setdefault(f[0], []).append((wall, cpu))
    extra = ""
    if len(f) > 6:
        extra = "  (nDPI self-reported processing %s ms)" % f[6]
    print("%-12s %5s %8.2f %8.2f %10.0f %10.0f %10.0f %10.0f %9.0f%s" % (
        f[0], f[1], wall, cpu, pkts / wall / 1e3, pkts / cpu / 1e3,
        wall * 1e9 / pkts, cpu * 1e9 / pkts, rss / 1024, extra))
med = {}
for tool, v in runs.items():
    w = statistics.median(x[0] for x in v)
    c = statistics.median(x[1] for x in v)
    med[tool] = (w, c)
    print("median %-12s wall %.2f s = %.0f Kpps = %.0f ns/pkt; "
          "cpu %.2f s = %.0f Kpps = %.0f ns/pkt" % (
              tool, w, pkts / w / 1e3, w * 1e9 / pkts,
              c, pkts / c / 1e3, c * 1e9 / pkts))
if len(med) == 2:
    d, n = med["dpi-classify"], med["ndpiReader"]
    print("ratio dpi-classify/ndpiReader packets/s (ratio of medians): "
          "wall %.2fx, cpu %.2fx" % (n[0] / d[0], n[1] / d[1]))
PYEOF
