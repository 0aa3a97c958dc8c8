
# --- More applications with a UDP protocol of their own ----------------
# (calls: lib/proto/calls.c, whose parsers check the structure).  After
# the L7 protocols, like 80-apps.sig, so that STUN and RTP come first.
# CoAP closes the file (see there).

# Telegram calls, relay signalling (libtgvoip): the 16-byte peer tag,
# twelve 0xFF bytes and a TL identifier (ping, endpoints request, or the
# relay's self/peer info replies).
protocol telegram udp
    payload "^.{16}\xff{12}[\xfe\xff\xc7\x1c\xb1]"

# Zoom SFU encapsulation (Michel et al., IMC 2022): a type 1 session
# request (2 bytes, 16-byte transaction id, 16 bytes, 32-bit key length),
# or type 5 media (sequence, cookie, direction 0 or 4, media type).  The
# parser takes it only to or from UDP ports 8801 to 8810.
protocol zoom udp
    payload "^\x01\x00"
    payload "^\x05.{6}[\x00\x04][\x0f\x10\x21-\x23]"

# Tailscale DISCO (peer discovery, next to its WireGuard traffic): every
# message starts with the 6-byte magic "TS" U+1F4AC in UTF-8 (Tailscale's
# disco package, disco.go: Magic), then the sender's 32-byte disco key,
# a 24-byte nonce and the sealed box.
protocol tailscale udp
    payload "^TS\xf0\x9f\x92\xac.{72}"

# CoAP over UDP (RFC 7252 3): version 1, a token of at most 8 bytes and a
# request method or response code; the parser walks the options (all of
# registered numbers) to the end or to the payload marker, and both
# directions must parse.  Here, after the peer-to-peer protocols, so
# that a Gnutella datagram (a random 16-byte GUID first) is Gnutella.
protocol coap udp
    payload "^[\x40-\x78][\x01-\x07\x41-\x45\x5f\x80-\x86\x88\x89\x8c\x8d\x8f\x96\x9d\xa0-\xa5\xa8]"
    ports 5683
