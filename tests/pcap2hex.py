#!/usr/bin/env python3
"""pcap2hex.py - print the frames of a classic pcap file as hex strings.

One frame per line, lowercase hex without separators, which is the form
Open vSwitch autotests feed to `ovs-appctl netdev-dummy/receive p1 HEX`.

Usage:
  pcap2hex.py [options] FILE.pcap

Options:
  -f, --frames N[-M]   only frames N..M (1-based, as tshark numbers them;
                       "N-" means N to the end, "N" just frame N)
  --flow SPEC          only frames of one TCP/UDP connection, either
                       direction; SPEC is PROTO,IP,PORT,IP,PORT, e.g.
                       tcp,10.0.0.1,41000,10.0.0.2,80 (endpoint order does
                       not matter)
  --flow-index K       only frames of the K-th TCP/UDP connection (1-based,
                       in first-packet order, as --list-flows numbers them)
  --list-flows         list the TCP/UDP connections instead of printing hex
  -n, --numbers        prefix each line with the frame number and a space

--frames combines with --flow/--flow-index (frame numbers stay those of the
whole file).  Flow matching understands Ethernet (link type 1) with up to
two 802.1Q/802.1ad tags, IPv4 and IPv6 (skipping IPv6 extension headers);
IP fragments other than the first carry no ports and never match a flow.

Reads classic pcap only (microsecond or nanosecond magic, either byte
order); for pcapng use `editcap -F pcap in.pcapng out.pcap` first.
Python 3 standard library only.  Exit status: 0 on success, 1 on a bad or
truncated file, 2 on bad usage.
"""

import argparse
import ipaddress
import struct
import sys

MAGICS = {
    b"\xd4\xc3\xb2\xa1": ("<", "us"),
    b"\xa1\xb2\xc3\xd4": (">", "us"),
    b"\x4d\x3c\xb2\xa1": ("<", "ns"),
    b"\xa1\xb2\x3c\x4d": (">", "ns"),
}
PCAPNG_MAGIC = b"\x0a\x0d\x0d\x0a"
LINKTYPE_ETHERNET = 1
# A record longer than this is treated as corruption, not a frame.
MAX_RECORD = 256 * 1024 * 1024

ETH_VLAN_TYPES = (0x8100, 0x88a8, 0x9100)
IPV6_EXT_HEADERS = (0, 43, 60, 135, 139, 140)   # hop-by-hop, routing, ...
IPPROTO_FRAGMENT = 44
IPPROTO_AH = 51
IPPROTO_TCP = 6
IPPROTO_UDP = 17
PROTO_NUMS = {"tcp": IPPROTO_TCP, "udp": IPPROTO_UDP}
PROTO_NAMES = {v: k for k, v in PROTO_NUMS.items()}


class PcapError(Exception):
    """A malformed or unsupported capture file."""


def read_pcap(stream):
    """Yield (frame_number, captured_bytes, original_length) for each record
    of a classic pcap stream; the first value yielded is the link type."""
    hdr = stream.read(24)
    if len(hdr) < 4:
        raise PcapError("file too short for a pcap header")
    magic = hdr[:4]
    if magic == PCAPNG_MAGIC:
        raise PcapError("pcapng is not supported; convert it with "
                        "`editcap -F pcap in.pcapng out.pcap`")
    if magic not in MAGICS:
        raise PcapError("not a pcap file (magic %s)" % magic.hex())
    if len(hdr) < 24:
        raise PcapError("truncated pcap file header")
    endian = MAGICS[magic][0]
    _vmaj, _vmin, _zone, _sigfigs, _snaplen, network = struct.unpack(
        endian + "HHiIII", hdr[4:])
    yield network & 0x0fffffff
    rec = struct.Struct(endian + "IIII")
    number = 0
    while True:
        rh = stream.read(rec.size)
        if not rh:
            return
        number += 1
        if len(rh) < rec.size:
            raise PcapError("frame %d: truncated record header" % number)
        _sec, _frac, caplen, origlen = rec.unpack(rh)
        if caplen > MAX_RECORD:
            raise PcapError("frame %d: implausible captured length %d"
                            % (number, caplen))
        data = stream.read(caplen)
        if len(data) < caplen:
            raise PcapError("frame %d: truncated data (%d of %d bytes)"
                            % (number, len(data), caplen))
        yield number, data, origlen


def flow_endpoints(frame):
    """Return (proto_number, (src_ip, sport), (dst_ip, dport)) for an
    Ethernet frame carrying TCP or UDP, else None.  Never reads out of
    bounds: every access is checked against the captured length."""
    if len(frame) < 14:
        return None
    off = 12
    ethertype = struct.unpack_from("!H", frame, off)[0]
    off += 2
    tags = 0
    while ethertype in ETH_VLAN_TYPES and tags < 2:
        if len(frame) < off + 4:
            return None
        ethertype = struct.unpack_from("!H", frame, off + 2)[0]
        off += 4
        tags += 1
    if ethertype == 0x0800:
        if len(frame) < off + 20:
            return None
        vihl = frame[off]
        if vihl >> 4 != 4:
            return None
        ihl = (vihl & 0x0f) * 4
        if ihl < 20:
            return None
        frag = struct.unpack_from("!H", frame, off + 6)[0]
        if frag & 0x1fff:           # not the first fragment: no ports
            return None
        proto = frame[off + 9]
        src = ipaddress.IPv4Address(frame[off + 12:off + 16])
        dst = ipaddress.IPv4Address(frame[off + 16:off + 20])
        l4 = off + ihl
    elif ethertype == 0x86dd:
        if len(frame) < off + 40:
            return None
        if frame[off] >> 4 != 6:
            return None
        proto = frame[off + 6]
        src = ipaddress.IPv6Address(frame[off + 8:off + 24])
        dst = ipaddress.IPv6Address(frame[off + 24:off + 40])
        l4 = off + 40
        for _ in range(8):          # bounded walk over extension headers
            if proto in IPV6_EXT_HEADERS:
                if len(frame) < l4 + 2:
                    return None
                proto, l4 = frame[l4], l4 + (frame[l4 + 1] + 1) * 8
            elif proto == IPPROTO_AH:
                if len(frame) < l4 + 2:
                    return None
                proto, l4 = frame[l4], l4 + (frame[l4 + 1] + 2) * 4
            elif proto == IPPROTO_FRAGMENT:
                if len(frame) < l4 + 8:
                    return None
                if struct.unpack_from("!H", frame, l4 + 2)[0] & 0xfff8:
                    return None     # not the first fragment: no ports
                proto, l4 = frame[l4], l4 + 8
            else:
                break
        else:
            return None
    else:
        return None
    if proto not in PROTO_NAMES or len(frame) < l4 + 4:
        return None
    sport, dport = struct.unpack_from("!HH", frame, l4)
    return proto, (src, sport), (dst, dport)


def flow_key(proto, a, b):
    """Direction-independent key of a connection."""
    return (proto,) + tuple(sorted([a, b], key=lambda e: (e[0].version,
                                                          e[0], e[1])))


def parse_flow_spec(spec):
    """Parse PROTO,IP,PORT,IP,PORT into a flow key."""
    parts = [p.strip() for p in spec.split(",")]
    if len(parts) != 5 or parts[0].lower() not in PROTO_NUMS:
        raise ValueError("flow must be PROTO,IP,PORT,IP,PORT with PROTO "
                         "tcp or udp: %r" % spec)
    proto = PROTO_NUMS[parts[0].lower()]
    eps = []
    for ip, port in ((parts[1], parts[2]), (parts[3], parts[4])):
        addr = ipaddress.ip_address(ip.strip("[]"))
        p = int(port)
        if not 0 <= p <= 65535:
            raise ValueError("port out of range: %d" % p)
        eps.append((addr, p))
    return flow_key(proto, eps[0], eps[1])


def parse_range(text):
    """Parse N, N-M or N- into (first, last); last None means no end."""
    try:
        if "-" in text:
            lo, hi = text.split("-", 1)
            first = int(lo)
            last = int(hi) if hi else None
        else:
            first = last = int(text)
    except ValueError:
        raise ValueError("bad frame range %r (want N, N-M or N-)" % text)
    if first < 1 or (last is not None and last < first):
        raise ValueError("bad frame range %r" % text)
    return first, last


def fmt_ep(ep):
    """Printable endpoint."""
    ip, port = ep
    return ("[%s]:%d" if ip.version == 6 else "%s:%d") % (ip, port)


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Print pcap frames as hex strings, one per line.")
    ap.add_argument("pcap")
    ap.add_argument("-f", "--frames", help="frame range N, N-M or N-")
    group = ap.add_mutually_exclusive_group()
    group.add_argument("--flow", help="PROTO,IP,PORT,IP,PORT")
    group.add_argument("--flow-index", type=int, help="K-th connection")
    ap.add_argument("--list-flows", action="store_true")
    ap.add_argument("-n", "--numbers", action="store_true")
    args = ap.parse_args(argv)

    try:
        first, last = parse_range(args.frames) if args.frames else (1, None)
        want_key = parse_flow_spec(args.flow) if args.flow else None
    except ValueError as e:
        ap.error(str(e))
    if args.flow_index is not None and args.flow_index < 1:
        ap.error("--flow-index starts at 1")
    need_flows = (want_key is not None or args.flow_index is not None
                  or args.list_flows)

    out = sys.stdout
    flows = {}                      # key -> [index, first endpoints, count]
    warned_trunc = False
    try:
        with open(args.pcap, "rb") as f:
            records = read_pcap(f)
            linktype = next(records)
            if need_flows and linktype != LINKTYPE_ETHERNET:
                raise PcapError("flow selection needs Ethernet frames "
                                "(link type 1), file has link type %d"
                                % linktype)
            for number, data, origlen in records:
                key = None
                if need_flows:
                    ends = flow_endpoints(data)
                    if ends is not None:
                        key = flow_key(*ends)
                        fl = flows.get(key)
                        if fl is None:
                            fl = flows[key] = [len(flows) + 1, ends, 0]
                        fl[2] += 1
                if args.list_flows:
                    continue
                if number < first:
                    continue
                if last is not None and number > last:
                    break
                if want_key is not None and key != want_key:
                    continue
                if (args.flow_index is not None
                        and (key is None
                             or flows[key][0] != args.flow_index)):
                    continue
                if len(data) < origlen and not warned_trunc:
                    sys.stderr.write("pcap2hex: frame %d and maybe others "
                                     "were cut to the snap length; printing "
                                     "the captured bytes\n" % number)
                    warned_trunc = True
                if args.numbers:
                    out.write("%d %s\n" % (number, data.hex()))
                else:
                    out.write(data.hex() + "\n")
    except (PcapError, OSError) as e:
        sys.stderr.write("pcap2hex: %s: %s\n" % (args.pcap, e))
        return 1
    if args.list_flows:
        for key, (index, (proto, a, b), count) in flows.items():
            out.write("%d\t%s\t%s\t%s\t%d\n" % (index, PROTO_NAMES[proto],
                                                fmt_ep(a), fmt_ep(b), count))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:
        sys.exit(0)
