#! /usr/bin/env python3
# Copyright (c) 2026 The ovs-dpi authors.  Apache License 2.0.
#
# Usage: make-seeds.py --out DIR [--corpus PCAPDIR] [--signatures SIGDIR]
#
# Writes the seed inputs of the libFuzzer targets (tests/fuzz/README.md)
# into DIR/<target>/, one file per seed, from the capture files (classic
# pcap or pcapng, Ethernet) in PCAPDIR and the signature files in SIGDIR:
#
#   fuzz-packet    Ethernet frames.
#   fuzz-parsers   L4 payloads (a UDP datagram, or the first bytes of one
#                  direction of a TCP connection in capture order) behind
#                  the 7-byte header of fuzz-parsers.c, in "all parsers"
#                  mode.
#   fuzz-engine    runs of consecutive frames of one capture, in the record
#                  format of fuzz-engine.c, the clock steps taken from the
#                  capture's timestamps.
#   fuzz-sig       the signature files.
#
# Python 3 standard library only.  The seeds are written at run time into
# the build tree; the captures are never copied into the source tree.

import argparse
import hashlib
import os
import struct
import sys

PAYLOADS_PER_PCAP = 40      # fuzz-parsers seeds per capture.
FRAMES_PER_PCAP = 40        # fuzz-packet seeds per capture.
RUNS_PER_PCAP = 4           # fuzz-engine seeds per capture.
FRAMES_PER_RUN = 48         # Frames in one fuzz-engine seed.
STREAM_MAX = 16384          # Longest fuzz-parsers payload.
SIG_MAX = 8192              # Longest fuzz-sig input (fuzz-sig.c).
# Clock steps of fuzz-engine.c, in milliseconds.
STEPS_MS = [0, 1, 10, 100, 1000, 10000, 60000, 200000]


def read_pcap(path):
    """Yields (timestamp in seconds, frame bytes) of an Ethernet capture,
    classic pcap or pcapng; nothing for other link types."""
    with open(path, 'rb') as f:
        data = f.read()
    if len(data) < 24:
        return
    magic = data[:4]
    if magic in (b'\xd4\xc3\xb2\xa1', b'\xa1\xb2\xc3\xd4',
                 b'\x4d\x3c\xb2\xa1', b'\xa1\xb2\x3c\x4d'):
        e = '<' if magic[0] in (0xd4, 0x4d) else '>'
        nano = magic in (b'\x4d\x3c\xb2\xa1', b'\xa1\xb2\x3c\x4d')
        if struct.unpack(e + 'I', data[20:24])[0] != 1:
            return
        off = 24
        while off + 16 <= len(data):
            sec, frac, incl, _ = struct.unpack(e + 'IIII', data[off:off + 16])
            off += 16
            yield sec + frac / (1e9 if nano else 1e6), data[off:off + incl]
            off += incl
    elif magic == b'\x0a\x0d\x0d\x0a':
        e = '<' if data[8:12] == b'\x4d\x3c\x2b\x1a' else '>'
        links = []
        off = 0
        while off + 12 <= len(data):
            btype, blen = struct.unpack(e + 'II', data[off:off + 8])
            if blen < 12:
                return
            body = data[off + 8:off + blen - 4]
            if btype == 0x0a0d0d0a:
                links = []
            elif btype == 1:
                links.append(struct.unpack(e + 'H', body[:2])[0])
            elif btype == 6 and len(body) >= 20:
                ifc, hi, lo, incl, _ = struct.unpack(e + 'IIIII', body[:20])
                if ifc < len(links) and links[ifc] == 1:
                    yield (hi << 32 | lo) / 1e6, body[20:20 + incl]
            off += blen


def l4(frame):
    """Returns (is_tcp, src, dst, sport, dport, seq, payload) of a TCP or
    UDP frame over IPv4 or IPv6 (VLAN tags skipped, no tunnels), or
    None."""
    off = 12
    while off + 2 <= len(frame):
        et = struct.unpack('!H', frame[off:off + 2])[0]
        if et in (0x8100, 0x88a8):
            off += 4
            continue
        off += 2
        break
    else:
        return None
    if et == 0x0800 and len(frame) >= off + 20:
        ihl = (frame[off] & 15) * 4
        proto = frame[off + 9]
        if struct.unpack('!H', frame[off + 6:off + 8])[0] & 0x3fff:
            return None
        src, dst = frame[off + 12:off + 16], frame[off + 16:off + 20]
        off += ihl
    elif et == 0x86dd and len(frame) >= off + 40:
        proto = frame[off + 6]
        src, dst = frame[off + 8:off + 24], frame[off + 24:off + 40]
        off += 40
    else:
        return None
    if proto == 6 and len(frame) >= off + 20:
        sport, dport, seq = struct.unpack('!HHI', frame[off:off + 8])
        hl = (frame[off + 12] >> 4) * 4
        return True, src, dst, sport, dport, seq, frame[off + hl:]
    if proto == 17 and len(frame) >= off + 8:
        sport, dport = struct.unpack('!HH', frame[off:off + 4])
        return False, src, dst, sport, dport, 0, frame[off + 8:]
    return None


class Writer:
    """Writes seeds into DIR/<target>/, named by content hash."""

    def __init__(self, out):
        self.out = out
        self.count = {}

    def put(self, target, data):
        d = os.path.join(self.out, target)
        os.makedirs(d, exist_ok=True)
        name = os.path.join(d, hashlib.sha1(data).hexdigest())
        if not os.path.exists(name):
            with open(name, 'wb') as f:
                f.write(data)
            self.count[target] = self.count.get(target, 0) + 1
            return True
        return False


def parser_seed(is_tcp, sport, dport, payload, n):
    """Returns a fuzz-parsers input for 'payload' sent from 'sport' to
    'dport', the lower port taken as the server's."""
    to_server = dport <= sport
    server, client = (dport, sport) if to_server else (sport, dport)
    flags = 0x80 | (1 if to_server else 0) | (2 if is_tcp else 0)
    split = 255 if n % 2 == 0 else 128
    return (struct.pack('!BBHHB', flags, 0, server, client, split)
            + payload[:STREAM_MAX])


def step(dt_ms):
    """Returns the index of the largest clock step not above 'dt_ms'."""
    return max(i for i, s in enumerate(STEPS_MS) if s <= max(dt_ms, 0))


def seeds_from_pcap(w, path):
    frames = list(read_pcap(path))
    n_frames = 0
    for _, frame in frames:
        if n_frames >= FRAMES_PER_PCAP:
            break
        if w.put('fuzz-packet', frame):
            n_frames += 1

    # L4 payloads: UDP datagrams, TCP directions concatenated in order.
    streams = {}
    order = []
    for _, frame in frames:
        r = l4(frame)
        if not r or not r[6]:
            continue
        is_tcp, src, dst, sport, dport, seq, payload = r
        if not is_tcp:
            order.append((False, sport, dport, payload))
            continue
        k = (src, dst, sport, dport)
        if k not in streams:
            streams[k] = [seq, b'']
            order.append((True, sport, dport, k))
        s = streams[k]
        if seq == (s[0] + len(s[1])) & 0xffffffff and \
                len(s[1]) < STREAM_MAX:
            s[1] += payload
    n = 0
    for is_tcp, sport, dport, x in order:
        if n >= PAYLOADS_PER_PCAP:
            break
        payload = streams[x][1] if is_tcp else x
        if payload and w.put('fuzz-parsers',
                             parser_seed(is_tcp, sport, dport, payload, n)):
            n += 1

    # Runs of frames for the engine.
    if not frames:
        return
    stride = max(len(frames) // RUNS_PER_PCAP, 1)
    for start in range(0, len(frames), stride)[:RUNS_PER_PCAP]:
        seed = b''
        prev = frames[start][0]
        for ts, frame in frames[start:start + FRAMES_PER_RUN]:
            frame = frame[:65535]
            seed += struct.pack('!BH', step((ts - prev) * 1000),
                                len(frame)) + frame
            prev = ts
        w.put('fuzz-engine', seed)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--out', required=True)
    ap.add_argument('--corpus', default='')
    ap.add_argument('--signatures', default='')
    args = ap.parse_args()

    w = Writer(args.out)
    for t in ('fuzz-packet', 'fuzz-parsers', 'fuzz-engine', 'fuzz-sig'):
        os.makedirs(os.path.join(args.out, t), exist_ok=True)
    if args.corpus and os.path.isdir(args.corpus):
        for name in sorted(os.listdir(args.corpus)):
            seeds_from_pcap(w, os.path.join(args.corpus, name))
    else:
        print('make-seeds: no corpus pcaps: only signature seeds',
              file=sys.stderr)
    if args.signatures and os.path.isdir(args.signatures):
        for name in sorted(os.listdir(args.signatures)):
            if name.endswith('.sig'):
                with open(os.path.join(args.signatures, name), 'rb') as f:
                    data = f.read()
                if len(data) <= SIG_MAX:
                    w.put('fuzz-sig', data)
    print('make-seeds: ' + ', '.join('%s %d' % (t, n)
                                     for t, n in sorted(w.count.items())))


if __name__ == '__main__':
    main()
