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

# Automake test: dpi-classify's tls_ja4 must equal tests/ja4.py's JA4 (an
# independent implementation from the specification, fed by tshark) on
# every ClientHello of a few corpus captures (TLS, QUIC, DTLS).  Skips
# without DPI_CORPUS_DIR, tshark or Python 3.  Exit: 0 pass, 1 fail, 77
# skip, 99 error.

srcdir_tests=`dirname "$0"`
top_builddir=${top_builddir:-.}
classify=${DPI_CLASSIFY:-$top_builddir/utilities/dpi-classify}
python=${PYTHON3:-python3}
pcaps="chrome.pcap firefox.pcap safari.pcap tls_with_huge_ch.pcapng
tls_2_reasms.pcapng no_sni.pcap quic_0RTT.pcap anyconnect-vpn.pcap"

if test -z "$DPI_CORPUS_DIR" || test ! -d "$DPI_CORPUS_DIR/pcap"; then
    echo "SKIP: check-ja4: corpus not found (DPI_CORPUS_DIR)"
    exit 77
fi
if ! command -v tshark >/dev/null 2>&1 || ! command -v "$python" \
        >/dev/null 2>&1 || test ! -x "$classify"; then
    echo "SKIP: check-ja4: tshark, Python 3 or $classify missing"
    exit 77
fi
"$python" "$srcdir_tests/ja4.py" --self-test || exit 99

fail=0 total=0
for p in $pcaps; do
    f=$DPI_CORPUS_DIR/pcap/$p
    test -f "$f" || continue
    ours=`"$classify" "$f" 2>/dev/null | awk -F'\t' '
        /^#proto/ { for (i = 1; i <= NF; i++) c[$i] = i; next }
        /^#/ { next }
        { print $c["#proto"] " " $c["client_ip"] " " $c["client_port"] " " \
                $c["server_ip"] " " $c["server_port"] " " $c["tls_ja4"] }'`
    exp=`"$python" "$srcdir_tests/ja4.py" "$f" | tr '\t' ' '`
    test -n "$exp" || { echo "ERROR: check-ja4: no JA4 from $p"; exit 99; }
    n=`echo "$exp" | wc -l`
    total=`expr $total + $n`
    missing=`echo "$exp" | while read -r line; do
        echo "$ours" | grep -qxF "$line" || echo "$p: expected $line"
    done`
    if test -n "$missing"; then
        echo "$missing"
        fail=1
    fi
done
echo "check-ja4: $total ClientHellos compared"
exit $fail
