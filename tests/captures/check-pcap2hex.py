#!/usr/bin/env python3
"""check-pcap2hex.py - check tests/pcap2hex.py against tshark.

Usage: check-pcap2hex.py [CAPTURE_DIR]   (default: this script's directory)

For every *.pcap in CAPTURE_DIR:
  * every frame's hex must equal tshark's raw frame bytes (tshark -T json -x);
  * the same file rewritten big-endian, and with the nanosecond magic in
    both byte orders, must give the same hex;
  * --frames N-M must give exactly those frames;
  * for every connection in EXPECTED.tsv, --flow and --list-flows must give
    the packet count tshark counted (make-expected.py);
and a truncated file, a pcapng file and garbage must fail with exit
status 1 and a message.  Python 3 stdlib; needs tshark and editcap.
"""

import csv
import glob
import json
import os
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
PCAP2HEX = os.path.join(HERE, "..", "pcap2hex.py")
FAILURES = []


def check(cond, what):
    """Record one failed check."""
    if not cond:
        FAILURES.append(what)
        print("FAIL: " + what)


def run(args, ok=True):
    """Run pcap2hex.py; return (status, stdout lines, stderr)."""
    res = subprocess.run([sys.executable, PCAP2HEX] + args,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         universal_newlines=True)
    if ok and res.returncode != 0:
        FAILURES.append("pcap2hex %s: %s" % (args, res.stderr))
    return res.returncode, res.stdout.splitlines(), res.stderr


def tshark_frames(pcap):
    """Raw bytes of each frame, as tshark reads them, in hex."""
    res = subprocess.run(["tshark", "-n", "-r", pcap, "-T", "json", "-x"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         check=True)
    return [p["_source"]["layers"]["frame_raw"][0]
            for p in json.loads(res.stdout.decode())]


def rewrite(src, dst, endian, nsec):
    """Copy a little-endian microsecond pcap with another byte order and/or
    the nanosecond magic (sub-second fields scaled accordingly)."""
    with open(src, "rb") as f:
        data = f.read()
    if data[:4] != b"\xd4\xc3\xb2\xa1":
        raise RuntimeError("%s: expected a little-endian usec pcap" % src)
    magic = 0xa1b23c4d if nsec else 0xa1b2c3d4
    out = [struct.pack(endian + "IHHiIII", magic,
                       *struct.unpack("<HHiIII", data[4:24]))]
    off = 24
    while off < len(data):
        sec, usec, caplen, origlen = struct.unpack_from("<IIII", data, off)
        frac = usec * 1000 if nsec else usec
        out.append(struct.pack(endian + "IIII", sec, frac, caplen, origlen))
        out.append(data[off + 16:off + 16 + caplen])
        off += 16 + caplen
    with open(dst, "wb") as f:
        f.write(b"".join(out))


def main():
    capdir = sys.argv[1] if len(sys.argv) > 1 else HERE
    pcaps = sorted(glob.glob(os.path.join(capdir, "*.pcap")))
    check(pcaps, "no pcaps in %s" % capdir)
    tmp = tempfile.mkdtemp(prefix="pcap2hex-check.")
    try:
        for pcap in pcaps:
            name = os.path.basename(pcap)
            want = tshark_frames(pcap)
            _, got, _ = run([pcap])
            check(got == want, "%s: hex differs from tshark" % name)
            for endian, nsec in (("<", True), (">", False), (">", True)):
                alt = os.path.join(tmp, "alt.pcap")
                rewrite(pcap, alt, endian, nsec)
                _, got2, _ = run([alt])
                check(got2 == want, "%s: hex differs for endian %s nsec %s"
                      % (name, endian, nsec))
            if len(want) >= 5:
                _, part, _ = run(["-f", "2-4", pcap])
                check(part == want[1:4], "%s: --frames 2-4" % name)
                _, part, _ = run(["-f", "%d-" % len(want), "-n", pcap])
                check(part == ["%d %s" % (len(want), want[-1])],
                      "%s: --frames N- -n" % name)

        exp = os.path.join(capdir, "EXPECTED.tsv")
        rows = list(csv.reader(open(exp), delimiter="\t",
                               quoting=csv.QUOTE_NONE))
        hdr = [h.lstrip("#") for h in rows[0]]
        listed = {}
        for row in rows[1:]:
            r = dict(zip(hdr, row))
            pcap = os.path.join(capdir, r["file"])
            spec = ",".join([r["proto"], r["client_ip"], r["client_port"],
                             r["server_ip"], r["server_port"]])
            _, got, _ = run(["--flow", spec, pcap])
            check(len(got) == int(r["packets"]),
                  "%s %s: --flow gives %d frames, tshark %s"
                  % (r["file"], spec, len(got), r["packets"]))
            if pcap not in listed:
                _, listed[pcap], _ = run(["--list-flows", pcap])
            counts = {}
            for line in listed[pcap]:
                idx, proto, a, b, n = line.split("\t")
                counts[(proto, a, b)] = (int(idx), int(n))
            fmt = (lambda ip, p: "[%s]:%s" % (ip, p) if ":" in ip
                   else "%s:%s" % (ip, p))
            a = fmt(r["client_ip"], r["client_port"])
            b = fmt(r["server_ip"], r["server_port"])
            hit = counts.get((r["proto"], a, b)) or counts.get(
                (r["proto"], b, a))
            check(hit is not None and hit[1] == int(r["packets"]),
                  "%s %s: --list-flows count" % (r["file"], spec))
            if hit:
                _, by_idx, _ = run(["--flow-index", str(hit[0]), pcap])
                check(by_idx == got, "%s %s: --flow-index differs"
                      % (r["file"], spec))

        # Bad input: clear error, exit status 1, no traceback.
        src = pcaps[0]
        with open(src, "rb") as f:
            data = f.read()
        cases = {"truncated": data[:len(data) - 7], "garbage": b"hello" * 9,
                 "empty": b"", "short-header": data[:10]}
        ng = os.path.join(tmp, "ng.pcapng")
        subprocess.run(["editcap", "-F", "pcapng", src, ng], check=True)
        cases["pcapng"] = open(ng, "rb").read()
        for case, blob in cases.items():
            path = os.path.join(tmp, case)
            with open(path, "wb") as f:
                f.write(blob)
            rc, _, err = run([path], ok=False)
            check(rc == 1 and "pcap2hex:" in err and "Traceback" not in err,
                  "bad input %s: rc %d, %r" % (case, rc, err[-200:]))
        rc, _, err = run(["--flow", "icmp,1.2.3.4,1,1.2.3.5,2", src],
                         ok=False)
        check(rc == 2, "bad --flow spec accepted")
    finally:
        for f in glob.glob(os.path.join(tmp, "*")):
            os.unlink(f)
        os.rmdir(tmp)
    if FAILURES:
        print("%d check(s) failed" % len(FAILURES))
        return 1
    print("pcap2hex: all checks passed on %d captures" % len(pcaps))
    return 0


if __name__ == "__main__":
    sys.exit(main())
