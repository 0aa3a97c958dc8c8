# ovs-dpi signature file part: peer-to-peer file sharing and VPNs.
# (Format: see the top of 00-core.sig and docs/signatures.md.)

# --- IPsec ---------------------------------------------------------------

# ESP (RFC 4303) and AH (RFC 4302) are IP protocols 50 and 51.
protocol ipsec ip 50
protocol ipsec ip 51

# --- Gnutella (parser: lib/proto/p2p.c) ----------------------------------

# TCP handshake: "GNUTELLA CONNECT/0.6", "GNUTELLA/0.6 200 OK",
# "GNUTELLA OK" (0.4).
protocol gnutella tcp
    payload "^GNUTELLA[ /]"
    ports 6346
# UDP: one Gnutella message (23-byte header: message id, payload type,
# TTL, hops, payload length) or a "GND" semi-reliable UDP fragment; the
# parser checks the length field and the types.
protocol gnutella udp
    payload "^GND"
    payload "^.{16}[\x00-\x02\x31\x32\x40\x44\x80\x81][\x00-\x10][\x00-\x10]"
    ports 6346

# --- BitTorrent (parser: lib/proto/p2p.c) --------------------------------

# Handshake (BEP 3): 19, "BitTorrent protocol".
protocol bittorrent tcp
    payload "^\x13BitTorrent protocol"
# DHT KRPC messages (BEP 5): bencoded dictionaries, e.g. "d1:ad2:id20:";
# uTP (BEP 29) ST_SYN and ST_STATE headers (type << 4 | version 1).
protocol bittorrent udp
    payload "^d1:[a-z]"
    payload "^d2:ip"
    payload "^[\x21\x41][\x00-\x02]"
    ports 6881

# IKE (RFC 7296), on UDP 500 and, after a 4-byte zero non-ESP marker
# (RFC 3948), 4500; the parser checks the header (version 1 or 2, length
# equal to the datagram's).
protocol ipsec udp
    ports 500,4500

# --- WireGuard, OpenVPN, PPTP (parsers: lib/proto/vpn.c) -----------------

# Message types 1-4 followed by three reserved zero bytes; the parser
# checks the lengths.
protocol wireguard udp
    payload "^[\x01-\x04]\x00\x00\x00"
    ports 51820

# Hard reset packets (opcodes 7, 8 and 10, key id 0), over TCP after a
# 16-bit length.
protocol openvpn udp
    payload "^[\x38\x40\x50]"
    ports 1194
protocol openvpn tcp
    payload "^\x00[\x0e-\x80][\x38\x40\x50]"
    ports 1194

# Control message (type 1) with the magic cookie 0x1A2B3C4D.
protocol pptp tcp
    payload "^..\x00\x01\x1a\x2b\x3c\x4d"
    ports 1723

# Teredo (RFC 4380): IPv6 in UDP to or from the server port 3544, after
# optional authentication and origin indication headers; the parser checks
# the IPv6 version and payload length against the datagram.
protocol teredo udp
    ports 3544
