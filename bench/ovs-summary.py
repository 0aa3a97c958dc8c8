#!/usr/bin/python3
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

"""ovs-summary.py LOG: medians of bench/run-ovs.sh output.

For each pipeline and EMC setting, prints the median Rx Kpps and cycles per
packet of the pmd-perf-show "Rx packets" lines, the datapath passes per
packet, the highest share of datapath passes whose upcall failed ("Lost
upcalls": each costs a full translation in the PMD thread, so a run with
many is suspect), the median of pmd-stats-show's subtable lookups per
megaflow hit (of the PMD thread) and of the datapath flows at the end of
each measurement; then the ratios of the pipelines' median rates, those
of the pipelines in the log among: (c), (k), (b), (s) and (f) to (a);
(c), (k), (b) and (s) to (f); (c) and (k) to (b) and to (s); (k) to
(c); and, for pipeline (c), the
median share of packets that created a connection in the engine (from
the dpi/show counts run-ovs.sh prints before and after each
measurement).
"""

import re
import statistics
import sys

# One value per measurement each: (name, pattern).
METRICS = (
    ("passes", r"Datapath passes:\s+\d+\s+\(([\d.]+) passes/pkt\)"),
    ("lost", r"Lost upcalls:\s+\d+\s+\(\s*([\d.]+) %\)"),
    ("subtables", r"subtable lookups per megaflow hit: ([\d.]+)"),
    ("flows", r"^datapath flows: (\d+)"),
)

runs = {}
key = None
rx = before = None
for line in open(sys.argv[1]):
    m = re.match(r"=== round (\d+) pipeline (\w) EMC (\w+)", line)
    if m:
        key = (m.group(2), m.group(3))
        rx = before = None
        continue
    if not key:
        continue
    m = re.search(r"Rx packets:\s+(\d+)\s+\((\d+) Kpps, (\d+) cycles/pkt\)",
                  line)
    if m:
        rx = int(m.group(1))
        runs.setdefault(key, []).append((int(m.group(2)), int(m.group(3))))
    m = re.match(r"dpi before: flows created: (\d+)", line)
    if m:
        before = int(m.group(1))
    m = re.match(r"dpi after: flows created: (\d+)", line)
    if m and rx and before is not None:
        runs.setdefault(key + ("created",), []).append(
            100.0 * (int(m.group(1)) - before) / rx)
    for name, pattern in METRICS:
        m = re.search(pattern, line)
        if m:
            runs.setdefault(key + (name,), []).append(float(m.group(1)))

names = {"a": "(a) forward", "f": "(f) forward by 5-tuple",
         "b": "(b) ct(table=1)", "s": "(s) ct(commit,table=1)",
         "c": "(c) dpi(table=1)",
         "k": "(k) dpi(table=1), dpi-skip-classified"}
print("| pipeline | EMC | Kpps (median) | cycles/pkt (median) | passes/pkt |"
      " lost upcalls (max) | subtables/hit | datapath flows | runs (Kpps) |")
print("|---|---|---|---|---|---|---|---|---|")
med = {}
for emc in ("on", "off"):
    for p in "afbsck":
        v = runs.get((p, emc))
        if not v:
            continue
        k = statistics.median(x[0] for x in v)
        c = statistics.median(x[1] for x in v)
        med[(p, emc)] = k
        passes = statistics.median(runs[(p, emc, "passes")])
        lost = max(runs.get((p, emc, "lost"), [0.0]))
        # pmd-stats-show also prints the main thread, with 0.00: skip it.
        subtables = statistics.median(
            [x for x in runs.get((p, emc, "subtables"), []) if x] or [0])
        flows = statistics.median(runs.get((p, emc, "flows"), [0]))
        print("| %s | %s | %.0f | %.0f | %.2f | %.1f %% | %.2f | %.0f | %s |"
              % (names[p], emc, k, c, passes, lost, subtables, flows,
                 ", ".join(str(x[0]) for x in v)))
# Ratios: to a forwarding baseline in per cent, others as a factor.
RATIOS = (("c", "a"), ("k", "a"), ("b", "a"), ("s", "a"), ("f", "a"),
          ("c", "f"), ("k", "f"), ("b", "f"), ("s", "f"), ("c", "b"),
          ("k", "b"), ("c", "s"), ("k", "s"), ("k", "c"))
for emc in ("on", "off"):
    out = []
    for n, d in RATIOS:
        if (n, emc) in med and (d, emc) in med:
            r = med[(n, emc)] / med[(d, emc)]
            out.append("(%s)/(%s) %s" % (n, d, "%.0f %%" % (100 * r)
                                         if d in "af" else "%.2fx" % r))
    if out:
        print("EMC %s: %s" % (emc, ", ".join(out)))
    created = runs.get(("c", emc, "created"))
    if created:
        print("EMC %s: (c) connections created per packet %.2f %% "
              "(median of %d)" % (emc, statistics.median(created),
                                  len(created)))
