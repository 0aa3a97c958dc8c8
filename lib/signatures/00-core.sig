# ovs-dpi signature file.
#
# Format (see docs/signatures.md for the full description)
# ======
#
# One declaration per line.  Blanks separate words; '#' starts a comment
# that runs to the end of the line (outside quotes); empty lines are
# ignored.  A quoted string "..." is one word: in it \" stands for a quote,
# and every other backslash sequence is passed unchanged to Hyperscan, so
# "\x16" is the byte 0x16 and "\." a literal dot.
#
#   protocol NAME TRANSPORT [payload "REGEX" [nocase]]... [ports P,P...]
#
#       NAME is an L7 protocol of the application registry (lib/dpi-apps.def,
#       ids below 1024; or a service, see below) and TRANSPORT is tcp or
#       udp.  Each payload REGEX
#       (Hyperscan syntax, '.' matches any byte, 'nocase' makes the pattern
#       before it case-insensitive) is matched against the first 1024
#       bytes of each direction of a connection (TCP: of the reassembled
#       stream; UDP: of each datagram); "^" anchors it at the first byte.
#       A match, or a port P (1-65535) equal to either port of the
#       connection, makes NAME a candidate.  A candidate that libdpi has a
#       parser for (lib/proto/parsers.def) is confirmed by the parser; one
#       without a parser is identified by its payload match alone, so it
#       must have a payload pattern.  When inspection ends without a
#       verdict, the ports give a guess (state unk, not done): the first
#       protocol listing the server's port, else the client's.  Several lines may name the same
#       protocol (e.g. one per transport).  Protocols are tried in order of
#       first appearance in the file.
#
#       NAME may also be a service (ids from 1024) whose traffic is a
#       protocol of its own, e.g. "protocol dropbox udp payload ..." for
#       Dropbox LAN sync discovery: identified the same way (by its pattern,
#       or by its parser if libdpi has one registered for the service), it
#       gives app_id NAME and app_proto 0.
#
#   protocol NAME ip N   (NAME an L7 protocol)
#
#       Every connection of IP protocol number N (0-254, not 6 or 17) is
#       NAME, from its first packet, whatever its payload: "protocol icmp
#       ip 1".  No keyword follows; each N is declared once; a protocol may
#       be declared for several N (ipsec: ESP 50 and AH 51).  Connections
#       of undeclared IP protocols stay unknown.
#
#   service NAME (host "SUFFIX" | host-regex "REGEX" | ip "CIDR")...
#
#       NAME is a service of the registry (ids from 1024).  host "SUFFIX"
#       matches a host name (HTTP Host without its port, TLS SNI, DNS
#       query name) equal to SUFFIX or ending in "." SUFFIX, ignoring case:
#       host "youtube.com" matches youtube.com and www.youtube.com, not
#       notyoutube.com.  host-regex "REGEX" matches where the Hyperscan
#       REGEX matches (case-insensitively; anchor it yourself).  Where
#       several patterns match, the one whose match starts leftmost (the
#       longest suffix) wins, then the one earliest in the file.
#       ip "CIDR" is an address block of the service, IPv4 (a.b.c.d/N) or
#       IPv6 (ADDR/N), no bit set past the prefix: a new connection whose
#       server address (else, if the client is not known, either address)
#       lies in it gets the service as app_id from its first packet, the
#       longest prefix winning; inspection still finds its protocol, and a
#       service from its own host name replaces it.  Several lines may
#       name the same service.
#
# Errors are reported as "FILE:LINE: reason" and the whole file is
# rejected.
#
# The default database is lib/signatures/*.sig concatenated in name order
# into ovs-dpi.sig (installed in $(pkgdatadir)); this part holds the core
# web protocols, the others one protocol family or the services each.
#
# Host names below were checked against the labels nDPI gives the flows of
# the development corpus (TLS.YouTube, DNS.NetFlix, ...).

# --- L7 protocols --------------------------------------------------------

protocol http tcp
    payload "^(GET|POST|HEAD|PUT|DELETE|OPTIONS|PATCH|CONNECT|TRACE|PROPFIND|PROPPATCH|MKCOL|COPY|MOVE|LOCK|UNLOCK|REPORT|SEARCH) "
    payload "^HTTP/1\.[01] [1-5][0-9][0-9]"
    ports 80,8080,3128

# A handshake record (content type 22, version 3.0 to 3.4) whose first
# message is a ClientHello (1) or a ServerHello (2); a ClientHello for
# TLS in the SSL 2.0 compatible format; or, for a connection captured after
# its handshake, a change_cipher_spec, alert or application_data record
# (the parser checks that the records tile the bytes); or such a record
# header further on, for a capture that began inside a record (the parser
# wants a complete record followed by another valid header or the end of
# the bytes).
protocol tls tcp
    payload "^\x16\x03[\x00-\x04]..[\x01\x02]"
    payload "^[\x80-\xff].\x01\x03[\x00-\x03]"
    payload "[\x14\x15\x17]\x03[\x01-\x04]"
    ports 443

protocol dns udp
    ports 53
protocol dns tcp
    ports 53

# "SSH-" protocol version, e.g. "SSH-2.0-OpenSSH_9.2p1" or "SSH-1.99-...".
protocol ssh tcp
    payload "^SSH-[12]\.[0-9]+-"
    ports 22

# QUIC long header packets (first two bits set) of version 1, 2, the IETF
# drafts (0xff0000xx) and Facebook's mvfst (0xfaceb00x); Google QUIC long
# headers (Q046, Q050, T050, T051) and public headers with a version
# (flags 0x09 or 0x0d, 8-byte connection id, "Q0xx"); reserved "greasing"
# versions 0x?a?a?a?a (RFC 9000 15).  The QUIC parser (lib/proto/quic.c)
# confirms a candidate and decrypts the client's Initial.
protocol quic udp
    payload "^[\xc0-\xff]\x00\x00\x00\x01"
    payload "^[\xc0-\xff]\x6b\x33\x43\xcf"
    payload "^[\xc0-\xff]\xff\x00\x00[\x01-\x22]"
    payload "^[\xc0-\xff]\xfa\xce\xb0[\x00-\x0f]"
    payload "^[\xc0-\xff][\x0a\x1a\x2a\x3a\x4a\x5a\x6a\x7a\x8a\x9a\xaa\xba\xca\xda\xea\xfa]{4}"
    payload "^[\xc0-\xff](Q04[6-9]|Q050|T05[01])"
    payload "^[\x09\x0d].{8}Q0[0-4][0-9]"
    ports 443

# --- IP protocols other than TCP and UDP (IANA protocol numbers) ---------
# IPsec ESP (50) and AH (51) are declared with the rest of IPsec in
# 40-p2p-vpn.sig.

protocol icmp ip 1
protocol igmp ip 2
protocol ip_in_ip ip 4          # IPv4 in IPv4 (RFC 2003).
protocol ip_in_ip ip 41         # IPv6 in IPv4 (6in4, RFC 4213).
protocol gre ip 47
protocol icmpv6 ip 58
protocol ospf ip 89
protocol vrrp ip 112
protocol sctp ip 132
# DTLS (RFC 6347, RFC 9147): a handshake record (content type 22) of epoch
# 0 with version DTLS 1.0 (0xfeff), 1.2 (0xfefd), 1.3 (0xfefc) or the
# pre-standard 0x0100 (OpenSSL's DTLS1_BAD_VER, Cisco AnyConnect).  The
# DTLS parser (lib/proto/dtls.c) confirms a ClientHello, HelloVerifyRequest
# or ServerHello.
protocol dtls udp
    payload "^\x16\xfe[\xfc\xfd\xff]\x00\x00"
    payload "^\x16\x01\x00\x00\x00"

