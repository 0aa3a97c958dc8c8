
# --- Applications with a protocol of their own (lib/proto/apps.c) --------
#
# "protocol SERVICE ..." lines: a payload match (or the service's parser)
# identifies the service itself, giving app_id SERVICE and app_proto 0.
# They come after the L7 protocols so that a datagram that is also valid
# STUN, RTP, ... is that protocol first.

# Discord voice: IP discovery (type 0x0001/0x0002, length 70; Discord
# developer documentation, "Voice Connections") and the 8-byte 0x1337cafe
# region probes.  The parser checks the exact size and the address field.
protocol discord udp
    payload "^\x00[\x01\x02]\x00\x46"
    payload "^\x13\x37\xca\xfe"

# Dropbox LAN sync discovery: a UDP broadcast from and to port 17500 (IANA
# "db-lsp") holding one JSON object with the keys "version", "port",
# "host_int", "displayname" and "namespaces" (the host's 128-bit id as a
# decimal integer).
protocol dropbox udp
    payload "^\{\s*\"(version|port|host_int|displayname|namespaces)\":.{0,256}\"host_int\":\s*[0-9]+"
    payload "^\{\s*\"host_int\":\s*[0-9]+"

# Spotify: the desktop client's LAN discovery broadcast to UDP 57621 starts
# with the ASCII magic "SpotUdp0"; the client's first message to an access
# point (TCP 4070, 443 or 80) is the handshake's ClientHello: version bytes
# 0x00 0x04, a 32-bit length of the whole message, then the protobuf
# ClientHello whose first field is build_info (field 10, length-delimited:
# tag 0x52) starting with product (field 10 of BuildInfo, varint: tag
# 0x50) (keyexchange.proto and handshake.rs of librespot, the open
# implementation of the protocol).
protocol spotify udp
    payload "^SpotUdp0"
protocol spotify tcp
    payload "^\x00\x04\x00\x00..\x52.\x50"
