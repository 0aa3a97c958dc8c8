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

# Checks dpi-classify against an independent oracle: the project's own
# captures (tests/captures/{http,tls,dns,ssh}.pcap) and EXPECTED.tsv, which
# tshark made from them.  The connections (keys, packet and byte counts,
# order) and the HTTP host/method/URI/user agent, TLS SNI, DNS query name
# and SSH banner columns must match.  tshark also recounts the frames of
# each capture, so a capture and EXPECTED.tsv that drifted apart are
# caught too.  Then bad input: a missing file, a truncated capture, a bad
# signature file and bad options.
#
# Environment: DPI_CLASSIFY (default ./utilities/dpi-classify, relative to
# the build directory where "make check" runs) and DPI_CAPTURES_DIR
# (default: tests/captures next to this script).
#
# Exit status: 0 pass, 1 fail, 77 skipped (no tshark or python3).

set -u

srcdir=$(cd "$(dirname "$0")" && pwd)
CLASSIFY=${DPI_CLASSIFY:-./utilities/dpi-classify}
CAPTURES=${DPI_CAPTURES_DIR:-$srcdir/captures}
PYTHON=${PYTHON3:-python3}

if ! command -v tshark >/dev/null 2>&1; then
    echo "SKIP: tshark not found"
    exit 77
fi
if ! command -v "$PYTHON" >/dev/null 2>&1; then
    echo "SKIP: python3 not found"
    exit 77
fi
if test ! -x "$CLASSIFY"; then
    echo "FAIL: $CLASSIFY not built"
    exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-dpi-classify.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

failures=0

# fail MESSAGE: records a failed check.
fail () {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

# pass MESSAGE: records a passed check.
pass () {
    echo "ok: $*"
}

files="http dns tls ssh"

# 1. The captures against EXPECTED.tsv.
for f in $files; do
    # tshark's own frame count; every frame of these captures is TCP/UDP,
    # so it must be the sum of the EXPECTED.tsv packets of the file.
    tshark -n -r "$CAPTURES/$f.pcap" -T fields -e frame.number \
        > "$tmp/$f.frames" 2> "$tmp/$f.tshark-err" \
        || fail "tshark cannot read $f.pcap"
done

args=
for f in $files; do
    args="$args $CAPTURES/$f.pcap"
done
# shellcheck disable=SC2086
"$CLASSIFY" $args > "$tmp/out.tsv" 2> "$tmp/out.err"
rc=$?
if test $rc -ne 0; then
    fail "dpi-classify on the captures: exit status $rc"
    cat "$tmp/out.err"
fi
# shellcheck disable=SC2086
"$CLASSIFY" --json $args > "$tmp/out.json" 2> "$tmp/out-json.err" \
    || fail "dpi-classify --json on the captures: exit status $?"

# shellcheck disable=SC2086
"$PYTHON" - "$CAPTURES/EXPECTED.tsv" "$tmp" $files <<'EOF' \
    || failures=$((failures + 1))
import json
import os
import sys
import urllib.parse

expected_path, tmp, files = sys.argv[1], sys.argv[2], sys.argv[3:]

# Columns of EXPECTED.tsv compared, and their dpi-classify names.
VALUES = [("app_proto", "app_proto"), ("http_method", "http_method"),
          ("http_host", "http_host"), ("http_uri", "http_uri"),
          ("http_user_agent", "http_user_agent"), ("tls_sni", "tls_sni"),
          ("dns_qname", "dns_qname"),
          ("ssh_client_banner", "ssh_client"),
          ("ssh_server_banner", "ssh_server")]
KEY = ["proto", "client_ip", "client_port", "server_ip", "server_port",
       "packets", "bytes"]


def values(cell):
    """The decoded values of one cell."""
    return [urllib.parse.unquote(v) for v in cell.split("|") if v]


def read_tsv(path, multi):
    """Rows of a TSV file as dicts; 'multi' files have '# file:' lines
    and one header per file (dpi-classify's output)."""
    tables = {}
    name, hdr = None, None
    with open(path, newline="") as f:
        for line in f.read().split("\n"):
            if not line:
                continue
            if multi and line.startswith("# file: "):
                name = os.path.basename(line[len("# file: "):])
                tables[name] = []
                hdr = None
                continue
            cells = line.split("\t")
            if line.startswith("#"):
                hdr = [c.lstrip("#") for c in cells]
                continue
            row = dict(zip(hdr, cells))
            if len(cells) != len(hdr):
                raise SystemExit("%s: %d cells, header has %d: %r"
                                 % (path, len(cells), len(hdr), line))
            if multi:
                tables[name].append(row)
            else:
                tables.setdefault(row["file"], []).append(row)
    return tables


expected = read_tsv(expected_path, False)
got = read_tsv(os.path.join(tmp, "out.tsv"), True)
bad = 0
n_flows = n_values = 0
for f in files:
    pcap = f + ".pcap"
    exp, out = expected.get(pcap, []), got.get(pcap)
    if not exp:
        print("FAIL: %s: no rows in EXPECTED.tsv" % pcap)
        bad += 1
        continue
    if out is None:
        print("FAIL: %s: not in dpi-classify's output" % pcap)
        bad += 1
        continue
    frames = len(open(os.path.join(tmp, f + ".frames")).read().split())
    if frames != sum(int(r["packets"]) for r in exp):
        print("FAIL: %s: tshark counts %d frames, EXPECTED.tsv %d"
              % (pcap, frames, sum(int(r["packets"]) for r in exp)))
        bad += 1
    ek = [tuple(r[k] for k in KEY) for r in exp]
    ok = [tuple(r[k] for k in KEY) for r in out]
    if ek != ok:
        print("FAIL: %s: connections differ (in first-packet order)\n"
              "  expected: %s\n  got:      %s" % (pcap, ek, ok))
        bad += 1
        continue
    for e, o in zip(exp, out):
        n_flows += 1
        for ecol, ocol in VALUES:
            n_values += 1
            if values(e[ecol]) != values(o[ocol]):
                print("FAIL: %s %s:%s %s: expected %r, got %r"
                      % (pcap, e["client_ip"], e["client_port"], ocol,
                         values(e[ecol]), values(o[ocol])))
                bad += 1

# --json: one valid object per line, with the TSV's keys and values.
json_rows = []
for line in open(os.path.join(tmp, "out.json")):
    try:
        json_rows.append(json.loads(line))
    except ValueError as e:
        print("FAIL: --json: bad JSON line %r: %s" % (line, e))
        bad += 1
tsv_rows = [r for f in files for r in got.get(f + ".pcap", [])]
if len(json_rows) != len(tsv_rows):
    print("FAIL: --json: %d objects for %d TSV rows"
          % (len(json_rows), len(tsv_rows)))
    bad += 1
for j, t in zip(json_rows, tsv_rows):
    if set(j) != set(t) | {"file"}:
        print("FAIL: --json: keys %s differ from the TSV header %s"
              % (sorted(j), sorted(t)))
        bad += 1
        break
    for k, v in t.items():
        jv = j[k]
        if isinstance(jv, list):
            jv = "|".join(urllib.parse.quote(x, safe="") for x in jv)
            v = "|".join(urllib.parse.quote(x, safe="") for x in values(v))
        elif jv is None:
            jv = ""
        if str(jv) != v:
            print("FAIL: --json: %s is %r, TSV has %r" % (k, j[k], v))
            bad += 1

if not bad:
    print("ok: %d connections, %d values match EXPECTED.tsv; --json agrees"
          % (n_flows, n_values))
sys.exit(1 if bad else 0)
EOF

# 2. A missing file: an error naming it, exit status 1, the other file
# still printed.
"$CLASSIFY" "$tmp/no-such.pcap" "$CAPTURES/dns.pcap" \
    > "$tmp/missing.out" 2> "$tmp/missing.err"
rc=$?
if test $rc -eq 1 \
   && grep -q "^dpi-classify: $tmp/no-such.pcap: " "$tmp/missing.err" \
   && grep -q "^# file: $CAPTURES/dns.pcap\$" "$tmp/missing.out" \
   && test "$(grep -vc '^#' "$tmp/missing.out")" -eq 8; then
    pass "missing file"
else
    fail "missing file: exit status $rc, stderr: $(cat "$tmp/missing.err")"
fi

# 3. A capture cut in the middle of a packet: an error naming the file and
# where reading stopped, exit status 1, the connections read so far and
# the next file still printed.
head -c 1000 "$CAPTURES/http.pcap" > "$tmp/cut.pcap"
"$CLASSIFY" "$tmp/cut.pcap" "$CAPTURES/dns.pcap" \
    > "$tmp/cut.out" 2> "$tmp/cut.err"
rc=$?
if test $rc -eq 1 \
   && grep -q "^dpi-classify: $tmp/cut.pcap: .*truncated.*byte offset" \
        "$tmp/cut.err" \
   && grep -q "^# file: $tmp/cut.pcap\$" "$tmp/cut.out" \
   && grep -q "^tcp	10.0.0.1	50816	10.0.0.2	80	" "$tmp/cut.out" \
   && grep -q "^# file: $CAPTURES/dns.pcap\$" "$tmp/cut.out"; then
    pass "truncated capture"
else
    fail "truncated capture: exit status $rc, stderr: $(cat "$tmp/cut.err")"
fi

# A record header with an impossible length after four good packets: the
# same, and the connection of those packets is still printed.
"$PYTHON" - "$CAPTURES/http.pcap" "$tmp/corrupt.pcap" <<'EOF'
import struct
import sys

data = bytearray(open(sys.argv[1], "rb").read())
off = 24
for _ in range(4):
    off += 16 + struct.unpack_from("<I", data, off + 8)[0]
struct.pack_into("<I", data, off + 8, 0x7fffffff)
open(sys.argv[2], "wb").write(data)
EOF
"$CLASSIFY" "$tmp/corrupt.pcap" "$CAPTURES/dns.pcap" \
    > "$tmp/corrupt.out" 2> "$tmp/corrupt.err"
rc=$?
if test $rc -eq 1 \
   && grep -q "^dpi-classify: $tmp/corrupt.pcap: .*packet 5.*byte offset" \
        "$tmp/corrupt.err" \
   && grep -q "^tcp	10.0.0.1	50816	10.0.0.2	80	4	" "$tmp/corrupt.out" \
   && grep -q "^# file: $CAPTURES/dns.pcap\$" "$tmp/corrupt.out"; then
    pass "corrupt record header"
else
    fail "corrupt record header: exit status $rc," \
        "stderr: $(cat "$tmp/corrupt.err")"
fi

# 4. Not a capture at all.
printf 'not a capture file\n' > "$tmp/garbage.pcap"
"$CLASSIFY" "$tmp/garbage.pcap" > /dev/null 2> "$tmp/garbage.err"
rc=$?
if test $rc -eq 1 \
   && grep -q "^dpi-classify: $tmp/garbage.pcap: " "$tmp/garbage.err"; then
    pass "garbage file"
else
    fail "garbage file: exit status $rc"
fi

# 5. A bad signature file: the engine's FILE:LINE error, exit status 1.
printf '# comment\nprotocol http tcp ports 80\nnonsense here\n' \
    > "$tmp/bad.sig"
"$CLASSIFY" --signatures "$tmp/bad.sig" "$CAPTURES/dns.pcap" \
    > "$tmp/sig.out" 2> "$tmp/sig.err"
rc=$?
if test $rc -eq 1 && grep -q "$tmp/bad.sig:3: " "$tmp/sig.err" \
   && test ! -s "$tmp/sig.out"; then
    pass "bad signature file"
else
    fail "bad signature file: exit status $rc, stderr: $(cat "$tmp/sig.err")"
fi

# 6. Bad options: exit status 2.
for opt in "--max-flows abc" "--max-flows 0" "--inspect-packets -1" \
           "--inspect-packets 16384" "--metadata-max 99999999999" \
           "--idle-timeout 5x" "--no-such" "--signatures"; do
    # shellcheck disable=SC2086
    "$CLASSIFY" $opt "$CAPTURES/dns.pcap" > /dev/null 2> "$tmp/opt.err"
    rc=$?
    if test $rc -eq 2 && test -s "$tmp/opt.err"; then
        pass "bad option $opt"
    else
        fail "bad option $opt: exit status $rc"
    fi
done
"$CLASSIFY" > /dev/null 2>&1
rc=$?
if test $rc -eq 2; then
    pass "no file"
else
    fail "no file: exit status $rc"
fi
# The largest window is accepted, and --help states it.
if "$CLASSIFY" --inspect-packets 16383 "$CAPTURES/dns.pcap" > /dev/null \
   && "$CLASSIFY" --help | grep -q "at most 16383"; then
    pass "largest window accepted and documented"
else
    fail "--inspect-packets 16383 refused or not in --help"
fi

if test $failures -ne 0; then
    echo "$failures check(s) failed"
    exit 1
fi
exit 0
