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
