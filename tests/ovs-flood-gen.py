#! /usr/bin/python3
# Copyright (c) 2026 The ovs-dpi authors.  Apache License 2.0.
#
# ovs-flood-gen.py CAPTURES FIFO INFO [N]: the endless packet stream of
# tests/ovs-flood.sh, written as one classic pcap into FIFO (a named pipe
# that DPDK's net_pcap reads with rx_pcap=FIFO).
#
# CAPTURES is tests/captures.  From its EXPECTED.tsv (tshark's reading of
# the captures) the first IPv4 HTTP connection of http.pcap and the first
# IPv4 TLS connection of tls.pcap are taken: their packets up to the first
# FIN are written once at the start of the stream ("prefix"), so they are
# classified, and then each connection's last client ACK before that FIN
# is repeated, one every STRIDE flood frames, the two connections in turn,
# so that they stay active for the whole flood.
#
# The flood is a block of N (default 2**21, a multiple of 65536) 60-byte
# frames, each a new 5-tuple (so each a new DPI connection), in eight kinds,
# by index k % 8 (lo = k & 0xff, mid = (k >> 8) & 0xff, hi = k >> 16):
#
#   0-2  TCP SYN from 10.P.mid.lo port 1024 + hi to 192.Q.0.80 port 80;
#   3-4  UDP spray: 10.P.mid.lo port 1024 + hi to 192.Q.1.1, a pseudo-random
#        destination port, 18 bytes of payload;
#   5    first fragment of a UDP datagram from 10.P.mid.lo port 1024 + hi
#        to 192.Q.hi.1 port 4000 (MF set, offset 0, UDP header and 16
#        bytes);
#   6    the non-first, last fragment (offset 24 bytes) of the same
#        datagram as the frame before it;
#   7    a non-first fragment from 10.P.mid.lo to 192.Q.hi.1 whose first
#        fragment never comes.
#
# The IP identification is 0xffff - (k & 0xffff) (that of frame k - 1 for
# kind 6), the TTL 64, or 255 - hi for the fragments.  P and Q are the
# second byte of the source and destination address: P = pass number
# (mod 256) and Q = 255 - P.  The block is
# written over and over; before each pass P is increased, so every pass
# brings N new 5-tuples (N * 256 of them before they repeat).  The
# checksums are computed once per kind and stay valid: see flood_block().
#
# Before opening FIFO (which blocks until a reader opens it) the script
# writes INFO, shell assignments for tests/ovs-flood.sh: the two
# connections (HTTP_TUPLE, TLS_TUPLE as "client=IP:PORT,server=IP:PORT",
# as ovs-appctl dpi/dump-flows prints them; HTTP_PROTO, TLS_PROTO: the
# app_proto tshark gives them), their prefix lengths (HTTP_PREFIX,
# TLS_PREFIX) and the flood size (N, STRIDE).  If the reader closes the
# pipe (DPDK stops the port), the stream starts again from the pcap header
# when it reopens (with the next pass).  At the end (SIGTERM) the number
# of such restarts and of complete passes are appended to INFO as RESTARTS
# and PASSES.  The script also gets SIGTERM when its parent ends.

import ctypes
import fcntl
import os
import random
import signal
import struct
import sys

STRIDE = 1024               # Flood frames between two repeated ACKs.
F_SETPIPE_SZ = 1031         # Linux fcntl() command.
PR_SET_PDEATHSIG = 1        # Linux prctl() command.
FRAME = 60                  # Length of every flood frame.
REC = 16 + FRAME            # Length of a flood pcap record.
ETH = bytes.fromhex("020000000002" "020000000001" "0800")


def csum(data):
    """Returns the Internet checksum of 'data' (even length)."""
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def ipv4(src, dst, proto, ident, frag, payload, ttl=64):
    """Returns an IPv4 header with a valid checksum, followed by
    'payload'."""
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident,
                    frag, ttl, proto, 0, src, dst)
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + payload


def l4_csum(src, dst, proto, seg):
    """Returns the TCP or UDP checksum of 'seg' between 'src' and 'dst'."""
    pseudo = src + dst + struct.pack("!BBH", 0, proto, len(seg))
    return csum(pseudo + seg + (b"\0" if len(seg) % 2 else b""))


def template(kind):
    """Returns the flood frame of 'kind' for k = 0 in pass 0: the fields
    that vary with k are set as for k = 0, so that the checksums are those
    of every frame of that kind (see flood_block())."""
    src = bytes((10, 0, 0, 0))
    ident = 0xffff
    if kind <= 2:
        dst = bytes((192, 255, 0, 80))
        tcp = struct.pack("!HHIIBBHHH", 1024, 80, 0xfffffbff, 0, 5 << 4,
                          0x02, 64240, 0, 0)
        c = l4_csum(src, dst, 6, tcp)
        ip = ipv4(src, dst, 6, ident, 0x4000,
                  tcp[:16] + struct.pack("!H", c) + tcp[18:])
    elif kind <= 4:
        dst = bytes((192, 255, 1, 1))
        data = struct.pack("!HHH", 0xffff, 0xfbff, 0xffff) + b"ovsdpi-flood"
        udp = struct.pack("!HHHH", 1024, 0, 8 + len(data), 0) + data
        c = l4_csum(src, dst, 17, udp) or 0xffff
        ip = ipv4(src, dst, 17, ident, 0,
                  udp[:6] + struct.pack("!H", c) + udp[8:])
    elif kind == 5:
        # UDP length 48: the datagram has 24 more bytes, in kind 6.  A UDP
        # checksum of 0 means none.
        dst = bytes((192, 255, 0, 1))
        udp = struct.pack("!HHHH", 1024, 4000, 48, 0) + bytes(16)
        ip = ipv4(src, dst, 17, ident, 0x2000, udp, 255)    # MF, offset 0.
    else:
        dst = bytes((192, 255, 0, 1))
        ip = ipv4(src, dst, 17, ident, 3, bytes(24), 255)   # Offset 24.
    frame = ETH + ip
    return frame + bytes(FRAME - len(frame))


def flood_block(n):
    """Returns 'n' flood pcap records (pass 0) as one bytearray.

    Every record of a kind starts as template(kind); then each field that
    varies with k is written, for all records of the kind at once, one
    byte position at a time (a slice with a step of 8 records).  Each
    varying 16-bit word w comes with a word 0xffff - w elsewhere in the same
    checksum (the IP identification, TCP sequence number or UDP payload),
    which leaves the one's complement sum, hence the checksum, unchanged.
    'n' must be a multiple of 65536 and at most 2**24."""
    assert n % 65536 == 0 and n <= 1 << 24
    c = n // 8                                      # Records of a kind.
    rec = struct.pack("<IIII", 0, 0, FRAME, FRAME)
    block = bytearray(b"".join(rec + template(kind) for kind in range(8))
                      * c)
    neg = bytes(range(255, -1, -1))                 # b -> 0xff - b.
    # For record j of a kind, k = 8 * j + kind: k & 0xff, (k >> 8) & 0xff
    # and k >> 16 (the source port's low byte).
    mid = b"".join(bytes((b,)) * 32 for b in range(256)) * (c // 8192)
    hi = b"".join(bytes((b,)) * 8192 for b in range(c // 8192))
    rnd = random.Random(5)

    def put(kind, off, data):
        block[kind * REC + 16 + off::8 * REC] = data

    for kind in range(8):
        lo = bytes(range(5 if kind == 6 else kind, 256, 8)) * (c // 32)
        put(kind, 28, mid)                          # Source address.
        put(kind, 29, lo)
        put(kind, 18, mid.translate(neg))           # IP identification.
        put(kind, 19, lo.translate(neg))
        if kind >= 5:
            put(kind, 32, hi)                       # Destination address.
            put(kind, 22, hi.translate(neg))        # TTL.
        if kind >= 6:
            continue
        put(kind, 35, hi)                           # Source port.
        if kind <= 2:                               # TCP sequence number.
            put(kind, 38, mid.translate(neg))
            put(kind, 39, lo.translate(neg))
            put(kind, 41, hi.translate(neg))
        elif kind <= 4:
            dport = rnd.randbytes(2 * c)
            put(kind, 36, dport[:c])                # Destination port.
            put(kind, 37, dport[c:])
            put(kind, 42, mid.translate(neg))       # UDP payload.
            put(kind, 43, lo.translate(neg))
            put(kind, 45, hi.translate(neg))
            put(kind, 46, dport[:c].translate(neg))
            put(kind, 47, dport[c:].translate(neg))
    return block


def read_pcap(path):
    """Returns the frames of the classic pcap 'path' as a list of
    (pcap record header, frame) pairs."""
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    if magic == 0xa1b2c3d4:
        order = "<"
    elif magic == 0xd4c3b2a1:
        order = ">"
    else:
        sys.exit("%s: not a classic pcap" % path)
    if struct.unpack(order + "I", data[20:24])[0] != 1:
        sys.exit("%s: not Ethernet" % path)
    out = []
    pos = 24
    while pos + 16 <= len(data):
        caplen = struct.unpack(order + "I", data[pos + 8:pos + 12])[0]
        frame = data[pos + 16:pos + 16 + caplen]
        out.append((struct.pack("<IIII", 0, 0, len(frame), len(frame)),
                    frame))
        pos += 16 + caplen
    return out


def tcp_fields(frame):
    """Returns (src, sport, dst, dport, flags, payload length) of an
    Ethernet + IPv4 + TCP frame, or None."""
    if len(frame) < 54 or frame[12:14] != b"\x08\x00" or frame[23] != 6:
        return None
    ihl = (frame[14] & 0xf) * 4
    tot = struct.unpack("!H", frame[16:18])[0]
    t = 14 + ihl
    sport, dport = struct.unpack("!HH", frame[t:t + 4])
    doff = (frame[t + 12] >> 4) * 4
    return (".".join(map(str, frame[26:30])), sport,
            ".".join(map(str, frame[30:34])), dport, frame[t + 13],
            tot - ihl - doff)


def connection(captures, file_name, proto):
    """Returns (tuple, app_proto, prefix records, ACK record) for the first
    IPv4 TCP connection of 'file_name' in EXPECTED.tsv whose app_proto is
    'proto'."""
    with open(os.path.join(captures, "EXPECTED.tsv")) as f:
        lines = [l.rstrip("\n").split("\t") for l in f
                 if not l.startswith("#")]
    for l in lines:
        if (l[0] == file_name and l[1] == "tcp" and ":" not in l[2]
                and l[8] == proto):
            cli, cport, srv, sport = l[2], int(l[3]), l[4], int(l[5])
            break
    else:
        sys.exit("%s: no IPv4 %s connection in EXPECTED.tsv"
                 % (file_name, proto))
    prefix = []
    ack = None
    for rec, frame in read_pcap(os.path.join(captures, file_name)):
        t = tcp_fields(frame)
        if not t or {(t[0], t[1]), (t[2], t[3])} != {(cli, cport),
                                                       (srv, sport)}:
            continue
        if t[4] & 0x05:             # FIN or RST: stop before it.
            break
        prefix.append(rec + frame)
        if t[0] == cli and t[4] == 0x10 and t[5] == 0:
            ack = rec + frame       # A pure client ACK.
    if not ack:
        sys.exit("%s: no client ACK in the connection" % file_name)
    return ("client=%s:%d,server=%s:%d" % (cli, cport, srv, sport), l[8],
            prefix, ack)


def write_all(f, data):
    """Writes all of 'data' to the unbuffered file 'f'."""
    data = memoryview(data)
    while data:
        data = data[f.write(data):]


def die_with_parent():
    """Asks Linux to send SIGTERM to this process when its parent (the
    test script) ends, so that the writer never outlives the test, even if
    the script is killed before it can stop the writer; exits if the
    parent has already gone."""
    ppid = os.getppid()
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0):
        sys.exit("prctl: %s" % os.strerror(ctypes.get_errno()))
    if os.getppid() != ppid:
        sys.exit("parent gone")


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit("usage: %s CAPTURES FIFO INFO [N]" % sys.argv[0])
    die_with_parent()
    captures, fifo, info = sys.argv[1:4]
    n = int(sys.argv[4]) if len(sys.argv) == 5 else 1 << 21
    if n % 65536 or not 0 < n <= 1 << 24:
        sys.exit("N must be a multiple of 65536, at most 2**24")

    http = connection(captures, "http.pcap", "http")
    tls = connection(captures, "tls.pcap", "tls")
    block = flood_block(n)
    prefix = b"".join(http[2] + tls[2])
    acks = (http[3], tls[3])
    header = struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)
    with open(info + ".tmp", "w") as f:
        f.write("HTTP_TUPLE=%s\nHTTP_PROTO=%s\nHTTP_PREFIX=%d\n"
                "TLS_TUPLE=%s\nTLS_PROTO=%s\nTLS_PREFIX=%d\n"
                "N=%d\nSTRIDE=%d\n"
                % (http[0], http[1], len(http[2]), tls[0], tls[1],
                   len(tls[2]), n, STRIDE))
    os.rename(info + ".tmp", info)

    restarts = -1
    passes = 0

    def stop(signum, frame):
        with open(info, "a") as f:
            f.write("RESTARTS=%d\nPASSES=%d\n" % (restarts, passes))
        os._exit(0)
    signal.signal(signal.SIGTERM, stop)

    view = memoryview(block)
    chunk = STRIDE * REC
    while True:
        restarts += 1
        try:
            with open(fifo, "wb", buffering=0) as f:
                try:
                    # A bigger pipe buffer (1 MB), so that the reader
                    # rarely waits while a pass's addresses are rewritten.
                    fcntl.fcntl(f.fileno(), F_SETPIPE_SZ, 1 << 20)
                except OSError:
                    pass
                write_all(f, header + prefix)
                while True:
                    p = passes & 0xff
                    block[16 + 27::REC] = bytes((p,)) * n
                    block[16 + 31::REC] = bytes((255 - p,)) * n
                    for i, off in enumerate(range(0, n * REC, chunk)):
                        write_all(f, view[off:off + chunk])
                        write_all(f, acks[i & 1])
                    passes += 1
        except BrokenPipeError:
            pass


if __name__ == "__main__":
    main()
