
# --- VoIP, real-time media and messaging (lib/proto/sip.c, stun.c,
# rtp.c) --------------------------------------------------------------------

# STUN (RFC 5389 6): two zero bits, a type, a length, then the magic
# cookie 0x2112A442 at offset 4; over TCP also with RFC 4571 framing (a
# 16-bit length first).  RFC 3489 STUN has no cookie: the usual STUN and
# TURN ports make it a candidate; the parser checks lengths and
# attributes either way.
protocol stun udp
    payload "^[\x00-\x3f].{3}\x21\x12\xa4\x42"
    ports 3478,3479,5349,19302
protocol stun tcp
    payload "^[\x00-\x3f].{3}\x21\x12\xa4\x42"
    payload "^..[\x00-\x3f].{3}\x21\x12\xa4\x42"
    ports 3478,3479,5349

# SIP (RFC 3261 7.1, 7.2): a request line "Method Request-URI SIP/2.0" or
# a status line "SIP/2.0 Status-Code Reason".  The parser checks the line
# and extracts From/To users, method and Call-ID.
protocol sip udp
    payload "^[A-Za-z]+ [^ \r\n]+ SIP/2\.0\r\n"
    payload "^SIP/2\.0 [1-6][0-9][0-9]"
    ports 5060,5061
protocol sip tcp
    payload "^[A-Za-z]+ [^ \r\n]+ SIP/2\.0\r\n"
    payload "^SIP/2\.0 [1-6][0-9][0-9]"
    ports 5060,5061

# RTCP and RTP (RFC 3550 5.1, 6.4): version 2 in the two top bits; RTCP
# compound packets start with a Sender or Receiver Report (type 200 or
# 201).  The parsers check the lengths, the payload type and the ports;
# RTCP is tried first, as its types look like RTP payload types 72-73
# with the marker bit (RFC 5761 4).
protocol rtcp udp
    payload "^[\x80-\x9f][\xc8\xc9]"
protocol rtp udp
    payload "^[\x80-\xbf]"

# XMPP (RFC 6120 4.2, 8): an XML declaration and <stream:stream>, or a
# top-level stanza when the capture starts mid-stream.  WhatsApp's binary
# XMPP: "WA" and two version bytes, possibly after the "ED" 0 1 edge
# routing prologue; the parser then sets the service whatsapp.
protocol jabber tcp
    payload "^<\?xml"
    payload "^</?stream:stream"
    payload "^<(iq|presence|message)[ >]"
    payload "^ED\x00\x01"
    payload "^WA[\x00-\x0f][\x00-\x0f]"
    ports 5222,5223

# --- H.323, Skinny, Megaco, RTMP (lib/proto/telephony.c) ----------------

# H.323: TPKT (RFC 1006: version 3, reserved 0) carrying H.225.0 call
# signalling (Q.931, discriminator 0x08) on 1720 or H.245 on a port given
# in call signalling; H.225.0 RAS on UDP 1719.  dpi_h323_parse() checks
# the TPKT lengths, the Q.931 header and the RAS protocolIdentifier.
protocol h323 tcp
    payload "^\x03\x00"
    ports 1720
protocol h323 udp
    ports 1719

# Cisco Skinny (SCCP): 12-byte header with little-endian length, header
# version and message id (dpi_skinny_parse()), on port 2000.
protocol ciscoskinny tcp
    ports 2000

# Megaco / H.248.1 text encoding (RFC 3525 annex B.2): "MEGACO" or its
# short form "!", "/", the version, white space, then the message id: a
# domain address "[...]", a domain name "<...>" or an MTP address.
protocol megaco udp
    payload "^(MEGACO|!)/[1-3][ \t\r\n]+(\[|<|MTP\{)"
protocol megaco tcp
    payload "^(MEGACO|!)/[1-3][ \t\r\n]+(\[|<|MTP\{)"

# RTMP handshake: version 3 then the 1536-byte C1/S1 (dpi_rtmp_parse()
# checks the flight lengths), on port 1935.
protocol rtmp tcp
    ports 1935

# RTSP (RFC 2326 6.1, 7.1; RFC 7826 for 2.0): a request line "METHOD
# rtsp://... RTSP/1.0" with one of the RFC's methods, or a status line
# "RTSP/1.0 NNN".
protocol rtsp tcp
    payload "^(OPTIONS|DESCRIBE|ANNOUNCE|SETUP|PLAY|PAUSE|TEARDOWN|GET_PARAMETER|SET_PARAMETER|REDIRECT|RECORD|PLAY_NOTIFY) (rtsps?://[^ \r\n]*|\*) RTSP/[12]\.[0-9]\r\n"
    payload "^RTSP/[12]\.[0-9] [1-5][0-9][0-9] "
