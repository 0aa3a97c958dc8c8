#! /usr/bin/env python3
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

"""JA4 oracle: an implementation independent of lib/proto/tls.c.

Written from FoxIO's JA4 specification (technical_details/JA4.md of
github.com/FoxIO-LLC/ja4) and the ClientHello layout of RFC 8446 4.1.2
(RFC 6347 4.2.1 for DTLS, with its cookie).  tshark finds the ClientHellos
(it reassembles TCP segments and decrypts QUIC Initials); this script only
takes their raw bytes ("tls.handshake_raw" of `tshark -T json -x`).

    ja4.py FILE.pcap...   TSV: proto client_ip client_port server_ip
                          server_port ja4 (first ClientHello of each flow)
    ja4.py --self-test    the specification's own examples
"""

import hashlib
import json
import subprocess
import sys


def is_grease(v):
    return (v & 0x0f0f) == 0x0a0a and (v >> 8) == (v & 0xff)


def hash12(items):
    if not items:
        return "000000000000"
    return hashlib.sha256(items.encode()).hexdigest()[:12]


VERSIONS = {0x0304: "13", 0x0303: "12", 0x0302: "11", 0x0301: "10",
            0x0300: "s3", 0x0002: "s2", 0xfeff: "d1", 0xfefd: "d2",
            0xfefc: "d3"}


def alnum(c):
    return 0x30 <= c <= 0x39 or 0x41 <= c <= 0x5a or 0x61 <= c <= 0x7a


def ja4(kind, version, ciphers, exts, sigalgs, alpn):
    """'kind' is 't', 'q' or 'd'; lists without GREASE; 'alpn' the first
    ALPN value (bytes) or None."""
    if not alpn:
        a = "00"
    elif alnum(alpn[0]) and alnum(alpn[-1]):
        a = chr(alpn[0]) + chr(alpn[-1])
    else:
        a = "%x%x" % (alpn[0] >> 4, alpn[-1] & 0xf)
    head = "%s%s%s%02d%02d%s" % (kind, VERSIONS.get(version, "00"),
                                 "d" if 0 in exts else "i",
                                 min(len(ciphers), 99), min(len(exts), 99),
                                 a)
    b = hash12(",".join("%04x" % c for c in sorted(ciphers)))
    rest = sorted(e for e in exts if e not in (0, 16))
    if not rest:
        c = "000000000000"
    else:
        s = ",".join("%04x" % e for e in rest)
        if sigalgs:
            s += "_" + ",".join("%04x" % x for x in sigalgs)
        c = hash12(s)
    return "%s_%s_%s" % (head, b, c)


def u16s(b):
    return [b[i] << 8 | b[i + 1] for i in range(0, len(b) - 1, 2)]


def client_hello_ja4(msg, kind):
    """JA4 of handshake message 'msg' (header included: 4 bytes, 12 for
    DTLS), or None."""
    hdr = 12 if kind == "d" else 4
    if len(msg) < hdr + 38 or msg[0] != 1:
        return None
    p = hdr
    version = msg[p] << 8 | msg[p + 1]
    p += 34
    p += 1 + msg[p]                                 # session id
    if kind == "d":
        p += 1 + msg[p]                             # cookie
    n = msg[p] << 8 | msg[p + 1]
    ciphers = [c for c in u16s(msg[p + 2:p + 2 + n]) if not is_grease(c)]
    p += 2 + n
    p += 1 + msg[p]                                 # compression
    exts, sigalgs, alpn, best = [], [], None, None
    if p + 2 <= len(msg):
        end = p + 2 + (msg[p] << 8 | msg[p + 1])
        p += 2
        while p + 4 <= end:
            t = msg[p] << 8 | msg[p + 1]
            ln = msg[p + 2] << 8 | msg[p + 3]
            body = msg[p + 4:p + 4 + ln]
            p += 4 + ln
            if is_grease(t):
                continue
            exts.append(t)
            if t == 13:
                sigalgs = [s for s in u16s(body[2:]) if not is_grease(s)]
            elif t == 16 and len(body) > 3 and body[2]:
                alpn = body[3:3 + body[2]]
            elif t == 43:
                vs = [v for v in u16s(body[1:]) if not is_grease(v)]
                if vs:
                    dtls = [v for v in vs if v >> 8 == 0xfe]
                    best = min(dtls) if dtls else max(vs)
    return ja4(kind, best if best is not None else version, ciphers, exts,
               sigalgs, alpn)


def walk(node, quic, out):
    """Collects (kind, raw hex) of the ClientHellos under 'node'."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k in ("tls.handshake_raw", "dtls.handshake_raw"):
                raws = v if isinstance(v, list) and isinstance(v[0], list) \
                    else [v]
                for r in raws:
                    kind = "d" if k[0] == "d" else ("q" if quic else "t")
                    out.append((kind, r[0]))
            else:
                walk(v, quic or k == "quic", out)
    elif isinstance(node, list):
        for v in node:
            walk(v, quic, out)


def flows(path):
    res = subprocess.run(
        ["tshark", "-r", path, "-T", "json", "-x", "-Y",
         "tls.handshake.type == 1 || dtls.handshake.type == 1"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=False)
    seen = set()
    for pkt in json.loads(res.stdout or b"[]"):
        layers = pkt["_source"]["layers"]
        ip = layers.get("ipv6") or layers.get("ip")
        if isinstance(ip, list):
            ip = ip[-1]
        l4n = "tcp" if "tcp" in layers else "udp"
        l4 = layers.get(l4n)
        if not ip or not l4:
            continue
        if isinstance(l4, list):
            l4 = l4[-1]
        src = ip.get("ip.src") or ip.get("ipv6.src")
        dst = ip.get("ip.dst") or ip.get("ipv6.dst")
        key = (l4n, src, l4[l4n + ".srcport"], dst, l4[l4n + ".dstport"])
        if key in seen:
            continue
        hellos = []
        walk(layers, False, hellos)
        for kind, raw in hellos:
            j = client_hello_ja4(bytes.fromhex(raw), kind)
            if j:
                seen.add(key)
                yield key + (j,)
                break


def self_test():
    # JA4.md: the cipher list example hashes to 8daaf6152771, the
    # extension and signature algorithm example to e5627efa2ab1 (and
    # 6d807ffa2a79 without signature algorithms); the whole example is
    # t13d1516h2_8daaf6152771_e5627efa2ab1.
    ciphers = [0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030,
               0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f,
               0x0035]
    exts = [0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d,
            0x0005, 0x0023, 0x0012, 0x002b, 0xff01, 0x000b, 0x000a, 0x0015]
    sigs = [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601]
    got = ja4("t", 0x0304, ciphers, exts, sigs, b"h2")
    assert got == "t13d1516h2_8daaf6152771_e5627efa2ab1", got
    got = ja4("t", 0x0304, ciphers, exts, [], b"h2")
    assert got.endswith("_6d807ffa2a79"), got
    # ALPN in hex when an end is not alphanumeric (JA4.md examples).
    assert ja4("t", 0, [], [], [], b"\xab")[8:10] == "ab"
    assert ja4("t", 0, [], [], [], b"\x30\xab")[8:10] == "3b"
    assert ja4("t", 0, [], [], [], b"\x30\xab\xcd\x31")[8:10] == "01"
    assert ja4("t", 0, [], [], [], b"http/1.1")[8:10] == "h1"
    print("ja4.py: self-test passed")


def main():
    if sys.argv[1:] == ["--self-test"]:
        self_test()
        return 0
    for path in sys.argv[1:]:
        for row in flows(path):
            print("\t".join(row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
