# ovs-dpi signatures: mail, file transfer and remote access (format:
# 00-core.sig).  Parsers: lib/proto/mail.c, lib/proto/ftp.c.
#
# Mail and FTP servers speak first: the greeting patterns make the
# protocol a candidate on the server's direction, where its parser
# records the kind of greeting; the client's first commands, matched
# below, decide (lib/proto/mail.c explains why the greeting alone does
# not).

# SMTP: greeting "220" (RFC 5321 4.2, 3.1), first command EHLO or HELO
# (4.1.1.1).  Submission (587, RFC 6409) is the same protocol.
protocol smtp tcp
    payload "^220[ -]"
    payload "^(EHLO|HELO) " nocase
    ports 25,587

# FTP control: greeting "220"/"120" (RFC 959 5.4); the commands a client
# may open with.
protocol ftp_control tcp
    payload "^220[ -]"
    payload "^(USER|AUTH|FEAT|SYST|OPTS|HOST|CLNT)( |\r?\n)" nocase
    ports 21

# POP3: greeting "+OK" (RFC 1939 4); first commands USER, APOP, CAPA,
# STLS, AUTH (RFC 1939 7, RFC 2449, RFC 2595, RFC 5034).
protocol pop3 tcp
    payload "^\+OK"
    payload "^(USER|APOP|CAPA|STLS|AUTH)( |\r?\n)" nocase
    ports 110

# IMAP: untagged greeting "* OK"/"* PREAUTH" (RFC 3501 7.1); a tagged
# first command (RFC 3501 6.1, 6.2, ID RFC 2971).
protocol imap tcp
    payload "^\* (OK|PREAUTH) " nocase
    payload "^[!#$&',-\[\]-z|~]+ (CAPABILITY|LOGIN|STARTTLS|AUTHENTICATE|ID|NOOP)( |\r?\n)" nocase
    ports 143

# --- Remote access and proxies -------------------------------------------

# RFB protocol version message, "RFB 003.008\n" (RFC 6143 7.1.1): both
# sides send it first; 12 bytes of fixed form, identifying alone.
protocol vnc tcp
    payload "^RFB [0-9]{3}\.[0-9]{3}\n"

# Telnet option negotiation (RFC 854, RFC 855): two IAC commands in a row,
# the first DO, DON'T, WILL or WON'T of an assigned option (0-49, RFC 855
# and the IANA list) or a sub-negotiation (IAC SB).
protocol telnet tcp
    payload "^\xff[\xfb-\xfe][\x00-\x31]\xff[\xfa-\xfe]"

# RDP: TPKT version 3 (RFC 1006) with an X.224 Connection Request (0xE0)
# or Confirm (0xD0), checked by dpi_rdp_parse().
protocol rdp tcp
    payload "^\x03\x00..[\x06-\xff][\xe0\xd0]\x00\x00"
    ports 3389
# RDP's UDP transport (MS-RDPEUDP): the SYN and SYN+ACK datagrams,
# checked by dpi_rdp_parse() (flags, MTUs, padding).
protocol rdp udp
    ports 3389

# SOCKS 4 request, SOCKS 5 method selection (RFC 1928), checked by
# dpi_socks_parse().
protocol socks tcp
    payload "^\x04[\x01\x02]"
    payload "^\x05[\x01-\x09][\x00-\x09\x80-\xfe]"
    ports 1080

# TeamViewer: magic 0x17 0x24 or 0x11 0x30 on port 5938
# (dpi_teamviewer_parse()).
protocol teamviewer tcp
    payload "^(\x17\x24|\x11\x30)"
