# ovs-dpi signatures: network infrastructure, enterprise and database
# protocols (format: 00-core.sig and docs/signatures.md).
#
# Protocols with a parser (lib/proto/infra.c, lib/proto/db.c) are listed
# with their registered ports, and a payload pattern where the protocol
# also runs on other ports; the parser decides.  Protocols without a
# parser are identified by the pattern alone, so each pattern below
# describes a fixed, specified part of the protocol (cited), long enough
# not to match random data.

# --- Name resolution and discovery ----------------------------------------

# mDNS (RFC 6762, port 5353) and LLMNR (RFC 4795, port 5355) use the DNS
# message format; the DNS parser refines dns to mdns or llmnr by port.
protocol dns udp
    ports 5353,5355

# SSDP (UPnP Device Architecture 2.0, 1.3): HTTP over UDP, with the
# request lines "M-SEARCH * HTTP/1.1" and "NOTIFY * HTTP/1.1"; a search
# response is "HTTP/1.1 200 OK" with an ST or USN header.
protocol ssdp udp
    payload "^(M-SEARCH|NOTIFY) \* HTTP/1\.1\r\n"
    payload "^HTTP/1\.1 200 OK\r\n(.*\r\n)*(ST|USN):" nocase

# NetBIOS name (UDP 137), datagram (UDP 138) and session (TCP 139)
# services (RFC 1002).
protocol netbios udp
    ports 137,138
protocol netbios tcp
    ports 139

# WS-Discovery (OASIS WS-Discovery 1.1, UDP 3702): SOAP envelopes whose
# actions are in the discovery namespace.
protocol wsd udp
    payload "^<\?xml.{0,400}(schemas\.xmlsoap\.org/ws/2005/04/discovery|docs\.oasis-open\.org/ws-dd/ns/discovery)"

# --- Addressing, time, management -----------------------------------------

protocol dhcp udp
    ports 67,68
protocol dhcpv6 udp
    ports 546,547
protocol ntp udp
    ports 123
protocol snmp udp
    ports 161,162
protocol syslog udp
    payload "^<[0-9]{1,3}>"
    ports 514
# Syslog over TCP (RFC 6587): RFC 5424 messages ("<PRI>1 " and a
# full-date), possibly after an octet count (3.4.1).
protocol syslog tcp
    payload "^([1-9][0-9]{0,5} )?<[0-9]{1,3}>1 [0-9]{4}-[0-9]{2}-[0-9]{2}T"
protocol nat_pmp udp
    ports 5351

# TFTP (RFC 1350) requests go to port 69; the transfer itself runs
# between two ephemeral ports, so the first DATA or ACK (block 1, or ACK
# of block 0 after a write request) and OACK (RFC 2347) are patterns.
protocol tftp udp
    payload "^\x00[\x03\x04]\x00[\x00\x01]"
    payload "^\x00\x06[\x20-\x7e]"
    ports 69

# --- Authentication and directories ---------------------------------------

protocol kerberos tcp
    ports 88
protocol kerberos udp
    ports 88
protocol ldap tcp
    ports 389,3268
protocol ldap udp
    ports 389

# --- File sharing -----------------------------------------------------------

# ONC RPC calls (RFC 5531: message type 0, RPC version 2) to portmap,
# NFS, mount, NLM or NSM (programs 100000, 100003, 100005, 100021,
# 100024) on any port; over TCP after a 4-byte record mark.
protocol nfs udp
    payload "^.{4}\x00\x00\x00\x00\x00\x00\x00\x02\x00\x01\x86[\xa0\xa3\xa5\xb5\xb8]"
    ports 111,2049
protocol nfs tcp
    payload "^.{8}\x00\x00\x00\x00\x00\x00\x00\x02\x00\x01\x86[\xa0\xa3\xa5\xb5\xb8]"
    ports 111,2049

# SMB over TCP port 445 ("direct hosting", MS-SMB2 2.1): a 4-byte
# NetBIOS session message header (type 0) then the protocol id: 0xFE
# "SMB" for SMB 2 and 3 (MS-SMB2 2.2.1), 0xFF "SMB" for SMB 1 (MS-SMB
# 2.2.3.1).
protocol smbv23 tcp
    payload "^\x00...\xfeSMB"
protocol smbv1 tcp
    payload "^\x00...\xffSMB"

# Ceph messenger banners: "ceph v027" (protocol v1) and "ceph v2\n"
# (msgr2), sent first by both sides.
protocol ceph tcp
    payload "^ceph v(027|2\n)"

# --- Databases and message brokers ----------------------------------------

protocol mssql_tds tcp
    ports 1433
protocol kafka tcp
    ports 9092
protocol postgresql tcp
    ports 5432

# MongoDB: also OP_QUERY (2004) and OP_MSG (2013) headers on other ports
# (little-endian opCode at offset 12).
protocol mongodb tcp
    payload "^.{12}[\xd4\xdd]\x07\x00\x00"
    ports 27017,27018,27019

# GTP-C (3GPP TS 29.274 5.1, TS 29.060 6) on its IANA port 2123: the
# parser checks the version, flags, message type and length of a GTPv2-C
# or GTPv1-C header.
protocol gtp_c udp
    ports 2123

# Redis (RESP specification, redis.io): the client's first command, an
# array of bulk strings "*N\r\n$LEN\r\nNAME\r\n"; the parser checks
# the headers and the command name.
protocol redis tcp
    payload "^\*[1-9][0-9]{0,6}\r\n\$[1-9]"
    ports 6379

# MySQL: also a HandshakeV10 greeting (sequence 0, protocol 10) of a 5.x
# to 9.x server on other ports.
protocol mysql tcp
    payload "^...\x00\x0a[5-9]\.[0-9]"
    ports 3306

protocol oracle tcp
    ports 1521

# AMQP: the protocol header "AMQP" 0 0 9 1 (AMQP 0-9-1, 4.2.2) or
# "AMQP" 0|2|3 1 0 0 (AMQP 1.0, 2.2), and the server's first frame, a
# method frame (type 1) on channel 0 carrying Connection.Start (class 10,
# method 10).
protocol amqp tcp
    payload "^AMQP(\x00\x00\x09\x01|[\x00\x02\x03]\x01\x00\x00)"
    payload "^\x01\x00\x00.{4}\x00\x0a\x00\x0a"
    ports 5672

# MQTT (port 1883): a CONNECT packet (type 1) naming the protocol "MQTT"
# (3.1.1, 5.0) or "MQIsdp" (3.1) on any port.
protocol mqtt tcp
    payload "^\x10[\x80-\xff]{0,3}[\x00-\x7f]\x00(\x04MQTT|\x06MQIsdp)"
    ports 1883

# --- Routing ------------------------------------------------------------------

# BGP (RFC 4271 4.1): a 16-byte all-ones marker, a length of 19 to 4096
# and a message type 1 to 5.
protocol bgp tcp
    payload "^\xff{16}(\x00[\x13-\xff]|[\x01-\x0f].)[\x01-\x05]"

# --- Industrial, telecom and monitoring -------------------------------------

protocol modbus tcp
    ports 502
protocol diameter tcp
    ports 3868

# NetFlow v5 and v9 and IPFIX export datagrams (version 5, 9 or 10 in the
# first two bytes) on any port; the parser checks the record or set
# lengths against the datagram.
protocol netflow udp
    payload "^\x00[\x05\x09\x0a]"
    ports 2055,9995,9996,4739
