#!/usr/bin/env python3
"""make-expected.py - per-connection expected values for our own captures.

The values come from tshark (Wireshark's dissectors), never from ovs-dpi, so
they are an independent oracle for the DPI engine's tests.

Usage:
  make-expected.py [-o EXPECTED.tsv] PCAP...

One output line per TCP/UDP connection, in first-packet order per file:

  file proto client_ip client_port server_ip server_port packets bytes
  app_proto http_method http_host http_uri http_user_agent tls_sni
  dns_qname ssh_client_banner ssh_server_banner

Conventions (the same as /work/shared/corpus/README.md's oracle):
  * a connection is (L4 protocol, unordered pair of (ip, port));
  * the client is the sender of a TCP SYN without ACK; for UDP (or TCP
    without a SYN) it is the first sender;
  * packets/bytes count both directions; bytes are frame lengths (frame.len,
    Ethernet header included);
  * a cell may hold several values in first-seen order, duplicates removed,
    joined by '|'; inside a value '%', '|', TAB, CR and LF are written as
    %25, %7C, %09, %0D and %0A (urllib.parse.unquote() decodes them);
  * IPv6 addresses are in RFC 5952 form.

app_proto is what the capture script made: it is looked up from the server
port (80 http, 443 tls, 53 dns, 22 ssh) and then cross-checked against the
protocols tshark found in the connection; a mismatch is an error.

Only the Python 3 standard library is used; tshark must be in PATH.
"""

import argparse
import ipaddress
import os
import subprocess
import sys

AGG = "\x1f"

FIELDS = [
    "frame.number", "frame.len", "frame.protocols",
    "ip.src", "ip.dst", "ipv6.src", "ipv6.dst",
    "tcp.srcport", "tcp.dstport", "tcp.flags.syn", "tcp.flags.ack",
    "udp.srcport", "udp.dstport",
    "http.request.method", "http.host", "http.request.uri",
    "http.user_agent", "tls.handshake.extensions_server_name",
    "dns.qry.name", "ssh.protocol",
]
FI = {name: i for i, name in enumerate(FIELDS)}

# Server port -> application protocol the capture script runs there, and
# the tshark protocol layer that must appear in the connection.
SERVER_APPS = {80: ("http", "http"), 443: ("tls", "tls"),
               53: ("dns", "dns"), 22: ("ssh", "ssh")}

# Metadata columns: (column, tshark field, direction the value must come
# from: "c2s" client to server, "s2c" server to client, None either).
META = [
    ("http_method", "http.request.method", "c2s"),
    ("http_host", "http.host", "c2s"),
    ("http_uri", "http.request.uri", "c2s"),
    ("http_user_agent", "http.user_agent", "c2s"),
    ("tls_sni", "tls.handshake.extensions_server_name", "c2s"),
    ("dns_qname", "dns.qry.name", None),
    ("ssh_client_banner", "ssh.protocol", "c2s"),
    ("ssh_server_banner", "ssh.protocol", "s2c"),
]

COLUMNS = (["file", "proto", "client_ip", "client_port", "server_ip",
            "server_port", "packets", "bytes", "app_proto"]
           + [m[0] for m in META])


def esc(value):
    """Escape one value so that '|' can join several values in a cell."""
    return (value.replace("%", "%25").replace("|", "%7C")
            .replace("\t", "%09").replace("\r", "%0D").replace("\n", "%0A"))


def values(row, name):
    """All occurrences of one tshark field in a row."""
    v = row[FI[name]]
    return v.split(AGG) if v else []


def first(row, name):
    """First occurrence of one tshark field in a row, or ''."""
    v = values(row, name)
    return v[0] if v else ""


class Conn:
    """One bidirectional TCP/UDP connection."""

    def __init__(self, proto, first_src, first_dst):
        self.proto = proto
        self.first_src = first_src
        self.first_dst = first_dst
        self.syn_src = None
        self.packets = 0
        self.bytes = 0
        self.layers = set()
        # (direction source endpoint, field) -> values in first-seen order
        self.seen = []

    def client_server(self):
        """(client endpoint, server endpoint)."""
        client = self.syn_src or self.first_src
        server = self.first_dst if client == self.first_src else self.first_src
        return client, server


def read_conns(pcap):
    """Run tshark over one pcap; return its connections in first-packet
    order."""
    cmd = ["tshark", "-n", "-r", pcap, "-T", "fields", "-E", "separator=/t",
           "-E", "quote=n", "-E", "occurrence=a", "-E", "aggregator=" + AGG]
    for f in FIELDS:
        cmd += ["-e", f]
    res = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if res.returncode != 0:
        raise RuntimeError("tshark failed on %s: %s"
                           % (pcap, res.stderr.decode(errors="replace")))
    conns = {}
    order = []
    for line in res.stdout.decode("utf-8", "replace").split("\n"):
        if not line:
            continue
        row = line.split("\t")
        row += [""] * (len(FIELDS) - len(row))
        layers = row[FI["frame.protocols"]].split(":")
        if "tcp" in layers:
            proto = "tcp"
        elif "udp" in layers:
            proto = "udp"
        else:
            continue
        if "ip" in layers:
            src, dst = first(row, "ip.src"), first(row, "ip.dst")
        else:
            src, dst = first(row, "ipv6.src"), first(row, "ipv6.dst")
        src = str(ipaddress.ip_address(src))
        dst = str(ipaddress.ip_address(dst))
        sport = int(first(row, proto + ".srcport"))
        dport = int(first(row, proto + ".dstport"))
        a, b = (src, sport), (dst, dport)
        key = (proto,) + tuple(sorted([a, b]))
        conn = conns.get(key)
        if conn is None:
            conn = conns[key] = Conn(proto, a, b)
            order.append(conn)
        conn.packets += 1
        conn.bytes += int(row[FI["frame.len"]])
        conn.layers.update(layers)
        if (proto == "tcp" and first(row, "tcp.flags.syn") in ("1", "True")
                and first(row, "tcp.flags.ack") in ("0", "False")
                and conn.syn_src is None):
            conn.syn_src = a
        for _, field, _ in META:
            for v in values(row, field):
                conn.seen.append((a, field, v))
    return order


def conn_row(name, conn):
    """The output cells of one connection."""
    client, server = conn.client_server()
    app = SERVER_APPS.get(server[1])
    if app is None:
        raise RuntimeError("%s: connection %s -> %s: unexpected server port"
                           % (name, client, server))
    if app[1] not in conn.layers:
        raise RuntimeError("%s: connection %s -> %s: tshark found no %s"
                           % (name, client, server, app[1]))
    cells = [name, conn.proto, client[0], str(client[1]), server[0],
             str(server[1]), str(conn.packets), str(conn.bytes), app[0]]
    for _, field, direction in META:
        out = []
        for src, f, v in conn.seen:
            if f != field:
                continue
            if direction == "c2s" and src != client:
                continue
            if direction == "s2c" and src != server:
                continue
            v = esc(v)
            if v not in out:
                out.append(v)
        cells.append("|".join(out))
    return cells


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-o", "--output", help="output file (default stdout)")
    ap.add_argument("pcaps", nargs="+")
    args = ap.parse_args()
    lines = ["#" + "\t".join(COLUMNS)]
    for pcap in args.pcaps:
        name = os.path.basename(pcap)
        for conn in read_conns(pcap):
            lines.append("\t".join(conn_row(name, conn)))
    text = "\n".join(lines) + "\n"
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (RuntimeError, OSError, ValueError) as e:
        sys.stderr.write("make-expected.py: %s\n" % e)
        sys.exit(1)
