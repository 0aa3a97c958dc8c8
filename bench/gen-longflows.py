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

"""gen-longflows.py - synthetic "long flows" throughput workload.

Writes a classic pcap (Ethernet, microsecond timestamps) with a few
connections that carry many packets each, interleaved round robin as
concurrent connections would be:

  * http: TCP handshake, "GET /file HTTP/1.1" with a Host header, an
    "HTTP/1.1 200 OK" header, then a bulk download;
  * ssh: TCP handshake, "SSH-2.0-..." banners both ways, then bulk data;
  * unknown: TCP handshake, then pseudo-random bulk data both ways;
  * rtp: UDP, RTP version 2 packets (payload type 0, 160-byte payload).

Bulk TCP data goes from the server in PAYLOAD-byte segments, with a client
ACK every 2 segments.  Only the Python 3 standard library is used.

Usage: gen-longflows.py [--conns-per-kind N] [--packets N] [--payload B] OUT
"""

import argparse
import random
import struct


def csum(data):
    """Internet checksum of 'data'."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4(src, dst, proto, l4):
    """IPv4 header (with checksum) followed by 'l4'."""
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 0, 0x4000,
                      64, proto, 0, src, dst)
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + l4


def eth(l3):
    """Ethernet header (IPv4) followed by 'l3'."""
    return b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00" + l3


def tcp(sport, dport, seq, ack, flags, payload=b""):
    """TCP header without options (checksum left 0) and 'payload'."""
    return struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF,
                       ack & 0xFFFFFFFF, 5 << 4, flags, 65535, 0,
                       0) + payload


def udp(sport, dport, payload):
    """UDP header (checksum 0) and 'payload'."""
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


class TcpConn:
    """Generator of one TCP connection's frames."""

    def __init__(self, idx, kind, dport, payload, rnd):
        self.c = bytes([10, 1, idx >> 8, idx & 0xFF])
        self.s = bytes([198, 51, 100, 1 + idx % 200])
        self.cport = 40000 + idx
        self.sport = dport
        self.kind = kind
        self.payload = payload
        self.rnd = rnd
        self.cseq = 1000
        self.sseq = 5000
        self.n = 0
        self.script = self.opening()

    def opening(self):
        """The frames before the bulk transfer."""
        out = [(True, 0x02, b""), (False, 0x12, b""), (True, 0x10, b"")]
        if self.kind == "http":
            out.append((True, 0x18, b"GET /big.iso HTTP/1.1\r\n"
                        b"Host: download.example.com\r\n"
                        b"User-Agent: gen-longflows/1.0\r\n\r\n"))
            out.append((False, 0x18, b"HTTP/1.1 200 OK\r\nServer: bench\r\n"
                        b"Content-Type: application/octet-stream\r\n"
                        b"Content-Length: 99999999999\r\n\r\n"))
        elif self.kind == "ssh":
            out.append((False, 0x18, b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"))
            out.append((True, 0x18, b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"))
        return out

    def frame(self):
        """The next frame of the connection."""
        if self.n < len(self.script):
            from_client, flags, data = self.script[self.n]
        elif (self.n - len(self.script)) % 3 == 2:
            from_client, flags, data = True, 0x10, b""
        else:
            from_client, flags = False, 0x10
            data = self.rnd.randbytes(self.payload)
            if self.kind == "http":
                data = bytes(self.payload)
        self.n += 1
        if from_client:
            seg = tcp(self.cport, self.sport, self.cseq, self.sseq, flags,
                      data)
            l3 = ipv4(self.c, self.s, 6, seg)
            self.cseq += len(data) + (flags & 0x02 and 1)
        else:
            seg = tcp(self.sport, self.cport, self.sseq, self.cseq, flags,
                      data)
            l3 = ipv4(self.s, self.c, 6, seg)
            self.sseq += len(data) + (flags & 0x02 and 1)
        return eth(l3)


class RtpConn:
    """Generator of one RTP stream's frames."""

    def __init__(self, idx, rnd):
        self.c = bytes([10, 2, idx >> 8, idx & 0xFF])
        self.s = bytes([198, 51, 101, 1 + idx % 200])
        self.port = 20000 + 2 * idx
        self.ssrc = rnd.getrandbits(32)
        self.rnd = rnd
        self.n = 0

    def frame(self):
        """The next frame of the stream."""
        rtp = struct.pack("!BBHII", 0x80, 0, self.n & 0xFFFF,
                          (self.n * 160) & 0xFFFFFFFF, self.ssrc)
        self.n += 1
        return eth(ipv4(self.c, self.s, 17,
                        udp(self.port, self.port,
                            rtp + self.rnd.randbytes(160))))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--conns-per-kind", type=int, default=8)
    ap.add_argument("--packets", type=int, default=12500,
                    help="packets per connection")
    ap.add_argument("--payload", type=int, default=1200,
                    help="bulk TCP segment size")
    ap.add_argument("out")
    args = ap.parse_args()

    rnd = random.Random(4)
    conns = []
    for i in range(args.conns_per_kind):
        conns.append(TcpConn(len(conns), "http", 80, args.payload, rnd))
        conns.append(TcpConn(len(conns), "ssh", 22, args.payload, rnd))
        conns.append(TcpConn(len(conns), "unknown", 5001, args.payload, rnd))
        conns.append(RtpConn(len(conns), rnd))

    n = 0
    ts = 1_700_000_000_000_000
    with open(args.out, "wb") as fh:
        fh.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for _ in range(args.packets):
            for c in conns:
                f = c.frame()
                fh.write(struct.pack("<IIII", ts // 1000000, ts % 1000000,
                                     len(f), len(f)))
                fh.write(f)
                ts += 10
                n += 1
    print("wrote %d packets, %d connections" % (n, len(conns)))


if __name__ == "__main__":
    main()
