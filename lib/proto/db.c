/*
 * Copyright (c) 2026 The ovs-dpi authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at:
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */

/* Parsers of database and message-broker protocols: MS-SQL TDS, Kafka,
 * PostgreSQL, MongoDB, MySQL, Oracle TNS, AMQP and MQTT.
 *
 * Each checks the header of the first message of a TCP stream: its type
 * or operation code against the values the specification defines and its
 * length against sane bounds.  Where the message is longer than the bytes
 * at hand they say MORE only while the fixed part is incomplete.  None
 * extracts metadata yet. */

#include "dpi-proto.h"

#include <stdbool.h>
#include <string.h>

/* Returns the big-endian 16-bit number at 'p'. */
static uint32_t
db_be16(const uint8_t *p)
{
    return (uint32_t) p[0] << 8 | p[1];
}

/* Returns the big-endian 32-bit number at 'p'. */
static uint32_t
db_be32(const uint8_t *p)
{
    return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16
           | (uint32_t) p[2] << 8 | p[3];
}

/* Returns the little-endian 32-bit number at 'p'. */
static uint32_t
db_le32(const uint8_t *p)
{
    return (uint32_t) p[3] << 24 | (uint32_t) p[2] << 16
           | (uint32_t) p[1] << 8 | p[0];
}

/* MS-SQL Tabular Data Stream ([MS-TDS] 2.2.3.1): an 8-byte packet header
 * of type 1 (SQL batch), 2 (pre-TDS7 login), 3 (RPC), 4 (tabular
 * result), 6 (attention), 7 (bulk load), 8 (federated authentication
 * token), 14 (transaction manager request), 16 (TDS7 login), 17 (SSPI) or
 * 18 (pre-login); status bits among 0x01 (end of message), 0x02 (ignore),
 * 0x04 (event notification, TDS 7.x), 0x08 and 0x10 (reset connection);
 * a length of 8 to 32768 bytes that
 * includes the header; and a zero window byte.  A pre-login message
 * (type 18) starts with option tokens 0 to 8, each with a 2-byte offset
 * and length, ended by 0xff. */
enum dpi_proto_result
dpi_mssql_tds_parse(const struct dpi_proto_ctx *ctx, const uint8_t *data,
                    size_t len, struct dpi_md *md)
{
    uint32_t pkt_len;

    if (!ctx->is_tcp) {
        return DPI_PROTO_NO;
    } else if (len < 8) {
        return DPI_PROTO_MORE;
    }
    pkt_len = db_be16(data + 2);
    switch (data[0]) {
    case 1: case 2: case 3: case 4: case 6: case 7: case 8:
    case 14: case 16: case 17: case 18:
        break;
    default:
        return DPI_PROTO_NO;
    }
    if (data[1] & ~0x1f || pkt_len < 8 || pkt_len > 32768 || data[7]) {
        return DPI_PROTO_NO;
    }
    if (data[0] == 18) {
        size_t pos = 8;

        /* Option tokens, 5 bytes each, within the packet. */
        while (pos < pkt_len) {
            if (pos >= len) {
                return DPI_PROTO_MORE;
            } else if (data[pos] == 0xff) {
                return pos > 8 ? DPI_PROTO_YES : DPI_PROTO_NO;
            } else if (data[pos] > 8 || pos + 5 > pkt_len) {
                return DPI_PROTO_NO;
            } else if (pos + 5 > len) {
                return DPI_PROTO_MORE;
            } else if (db_be16(data + pos + 1) + db_be16(data + pos + 3)
                       > pkt_len - 8) {
                return DPI_PROTO_NO;
            }
            pos += 5;
        }
        return DPI_PROTO_NO;
    }
    return DPI_PROTO_YES;
}

/* Kafka (the Kafka protocol guide, "Common Request and Response
 * Structure"): a request is a 4-byte size, then api_key (0 to 74 in
 * Kafka 3.x), api_version (0 to 20), a 4-byte correlation id and the
 * client id, a nullable string (2-byte length, -1 for null) of printable
 * characters.  The size must cover the header; requests above 100 MB are
 * refused, as brokers do by default. */
enum dpi_proto_result
dpi_kafka_parse(const struct dpi_proto_ctx *ctx, const uint8_t *data,
                size_t len, struct dpi_md *md)
{
    uint32_t size, id_len, i;

    if (!ctx->is_tcp) {
        return DPI_PROTO_NO;
    } else if (len < 14) {
        return DPI_PROTO_MORE;
    }
    size = db_be32(data);
    id_len = db_be16(data + 12);
    if (size < 10 || size > 100 * 1024 * 1024 || db_be16(data + 4) > 74
        || db_be16(data + 6) > 20) {
        return DPI_PROTO_NO;
    }
    if (id_len == 0xffff) {
        return DPI_PROTO_YES;
    } else if (10 + id_len > size) {
        return DPI_PROTO_NO;
    }
    for (i = 0; i < id_len; i++) {
        if (14 + i >= len) {
            return DPI_PROTO_MORE;
        } else if (data[14 + i] < 0x20 || data[14 + i] > 0x7e) {
            return DPI_PROTO_NO;
        }
    }
    return DPI_PROTO_YES;
}

/* PostgreSQL (frontend/backend protocol, "Message Formats"): a client
 * starts with a StartupMessage (4-byte length, protocol 3.0 = 196608, then
 * NUL-terminated parameter names and values ended by a NUL), an
 * SSLRequest or GSSENCRequest (length 8, code 80877103 or 80877104) or a
 * CancelRequest (length 16, code 80877102).  A server starts with an
 * AuthenticationRequest ('R', 4-byte length of at least 8, then an
 * authentication code 0 to 12), or answers an SSLRequest with the single
 * byte 'S' or 'N'. */
enum dpi_proto_result
dpi_postgresql_parse(const struct dpi_proto_ctx *ctx, const uint8_t *data,
                     size_t len, struct dpi_md *md)
{
    uint32_t msg_len, code;

    if (!ctx->is_tcp) {
        return DPI_PROTO_NO;
    }
    if (!ctx->to_server) {
        if (len == 1) {
            return data[0] == 'S' || data[0] == 'N' ? DPI_PROTO_YES
                                                     : DPI_PROTO_NO;
        } else if (len < 9) {
            return data[0] == 'R' ? DPI_PROTO_MORE : DPI_PROTO_NO;
        }
        msg_len = db_be32(data + 1);
        return (data[0] == 'R' && msg_len >= 8 && msg_len <= 8192
                && db_be32(data + 5) <= 12 ? DPI_PROTO_YES : DPI_PROTO_NO);
    }
    if (len < 8) {
        return DPI_PROTO_MORE;
    }
    msg_len = db_be32(data);
    code = db_be32(data + 4);
    if (code == 80877103 || code == 80877104) {
        return msg_len == 8 ? DPI_PROTO_YES : DPI_PROTO_NO;
    } else if (code == 80877102) {
        return msg_len == 16 ? DPI_PROTO_YES : DPI_PROTO_NO;
    } else if (code != 196608 || msg_len < 10 || msg_len > 10000) {
        return DPI_PROTO_NO;
    } else if (len < msg_len) {
        return DPI_PROTO_MORE;
    }
    /* The last value's NUL, then the empty name that ends the list. */
    return (!data[msg_len - 1] && !data[msg_len - 2] ? DPI_PROTO_YES
                                                      : DPI_PROTO_NO);
}

/* MongoDB wire protocol ("MongoDB Wire Protocol" reference): a 16-byte
 * little-endian header (messageLength, requestID, responseTo, opCode)
 * with messageLength from 16 to 48 MB (maxMessageSizeBytes) and an opCode
 * of OP_REPLY (1), OP_UPDATE (2001), OP_INSERT (2002), OP_QUERY (2004),
 * OP_GET_MORE (2005), OP_DELETE (2006), OP_KILL_CURSORS (2007),
 * OP_COMPRESSED (2012) or OP_MSG (2013).  An OP_MSG's first section has
 * kind 0 or 1 (flag bits: only 0, 1 and 16 defined); an OP_QUERY names a
 * "db.collection" of printable characters. */
enum dpi_proto_result
dpi_mongodb_parse(const struct dpi_proto_ctx *ctx, const uint8_t *data,
                  size_t len, struct dpi_md *md)
{
    uint32_t msg_len, op, i;

    if (!ctx->is_tcp) {
        return DPI_PROTO_NO;
    } else if (len < 16) {
        return DPI_PROTO_MORE;
    }
    msg_len = db_le32(data);
    op = db_le32(data + 12);
    if (msg_len < 16 || msg_len > 48000000) {
        return DPI_PROTO_NO;
    }
    switch (op) {
    case 1:
        return msg_len >= 36 ? DPI_PROTO_YES : DPI_PROTO_NO;
    case 2001: case 2002: case 2005: case 2006: case 2007: case 2012:
        return msg_len > 20 ? DPI_PROTO_YES : DPI_PROTO_NO;
    case 2013:
        if (msg_len < 21) {
            return DPI_PROTO_NO;
        } else if (len < 21) {
            return DPI_PROTO_MORE;
        }
        return ((db_le32(data + 16) & ~0x10003u) == 0 && data[20] <= 1
                ? DPI_PROTO_YES : DPI_PROTO_NO);
    case 2004:
        /* Flags, then the collection name. */
        for (i = 20; i < msg_len; i++) {
            if (i >= len) {
                return DPI_PROTO_MORE;
            } else if (!data[i]) {
                return (i > 20 && memchr(data + 20, '.', i - 20)
                        ? DPI_PROTO_YES : DPI_PROTO_NO);
            } else if (data[i] < 0x20 || data[i] > 0x7e) {
                return DPI_PROTO_NO;
            }
        }
        return DPI_PROTO_NO;
    default:
        return DPI_PROTO_NO;
    }
}

/* MySQL client/server protocol ("Connection Phase"): a packet is a 3-byte
 * little-endian payload length and a sequence id.  The server starts with
 * Protocol::HandshakeV10 (sequence 0): protocol version 10, a
 * NUL-terminated printable server version, a 4-byte connection id, 8
 * bytes of auth-plugin-data and a zero filler byte.  The client's first
 * packet (sequence 1) is a HandshakeResponse41 or SSLRequest: 4-byte
 * capabilities including CLIENT_PROTOCOL_41 (0x200), 4-byte maximum
 * packet size, a character set and 23 zero filler bytes. */
enum dpi_proto_result
dpi_mysql_parse(const struct dpi_proto_ctx *ctx, const uint8_t *data,
                size_t len, struct dpi_md *md)
{
    static const uint8_t zeros[23];
    uint32_t pkt_len, i;

    if (!ctx->is_tcp) {
        return DPI_PROTO_NO;
    } else if (len < 5) {
        return DPI_PROTO_MORE;
    }
    pkt_len = data[0] | (uint32_t) data[1] << 8 | (uint32_t) data[2] << 16;
    if (data[3] == 0 && data[4] == 10) {
        /* HandshakeV10. */
        for (i = 5; i < 4 + pkt_len; i++) {
            if (i >= len) {
                return DPI_PROTO_MORE;
            } else if (!data[i]) {
                break;
            } else if (data[i] < 0x20 || data[i] > 0x7e) {
                return DPI_PROTO_NO;
            }
        }
        if (i == 5 || i + 14 > 4 + pkt_len) {
            return DPI_PROTO_NO;
        } else if (i + 14 > len) {
            return DPI_PROTO_MORE;
        }
        return data[i + 13] == 0 ? DPI_PROTO_YES : DPI_PROTO_NO;
    } else if (data[3] == 1 && pkt_len >= 32) {
        if (len < 36) {
            return DPI_PROTO_MORE;
        }
        return ((data[5] & 0x02) && !memcmp(data + 13, zeros, sizeof zeros)
                ? DPI_PROTO_YES : DPI_PROTO_NO);
    }
    return DPI_PROTO_NO;
}

/* Oracle TNS (Transparent Network Substrate; as documented by Wireshark's
 * TNS dissector): an 8-byte header of packet length (2 bytes), packet
 * checksum (2 bytes, zero), packet type, a flags byte and a header
 * checksum (2 bytes, zero).  A client starts with a Connect packet (type
 * 1) whose body begins with the TNS version (300 to 399) and the lowest
 * version it is compatible with (not above it).  A server answers with
 * Accept (2), Refuse (4), Redirect (5) or Resend (11). */
enum dpi_proto_result
dpi_oracle_parse(const struct dpi_proto_ctx *ctx, const uint8_t *data,
                 size_t len, struct dpi_md *md)
{
    uint32_t version, compat;

    if (!ctx->is_tcp) {
        return DPI_PROTO_NO;
    } else if (len < 12) {
        return DPI_PROTO_MORE;
    }
    if (db_be16(data) < 8 || db_be16(data + 2) || db_be16(data + 6)) {
        return DPI_PROTO_NO;
    }
    version = db_be16(data + 8);
    compat = db_be16(data + 10);
    switch (data[4]) {
    case 1:
        return (db_be16(data) >= 34 && version >= 300 && version < 400
                && compat >= 300 && compat <= version
                ? DPI_PROTO_YES : DPI_PROTO_NO);
    case 2:
        return (version >= 300 && version < 400 ? DPI_PROTO_YES
                                                : DPI_PROTO_NO);
    case 4:
    case 5:
    case 11:
        return ctx->to_server ? DPI_PROTO_NO : DPI_PROTO_YES;
    default:
        return DPI_PROTO_NO;
    }
}

/* AMQP 0-9-1 (AMQP 0-9-1 specification 4.2.3 and 4.2.6): a connection
 * starts with the protocol header "AMQP" 0 0 9 1; then every frame is a
 * type (1 method, 2 content header, 3 content body, 8 heartbeat), a 2-byte
 * channel, a 4-byte size, the payload and the frame-end octet 0xCE.  The
 * parser accepts the header (also AMQP 1.0's "AMQP" 0|2|3 1 0 0) or, for
 * connections seen after their start, a first frame whose frame-end octet
 * is where its size says (a heartbeat has channel 0 and size 0). */
enum dpi_proto_result
dpi_amqp_parse(const struct dpi_proto_ctx *ctx, const uint8_t *data,
               size_t len, struct dpi_md *md)
{
    uint32_t size;

    if (!ctx->is_tcp) {
        return DPI_PROTO_NO;
    } else if (len < 8) {
        return DPI_PROTO_MORE;
    }
    if (!memcmp(data, "AMQP", 4)) {
        return ((!memcmp(data + 4, "\x00\x00\x09\x01", 4)
                 || (data[4] <= 3 && data[4] != 1
                     && !memcmp(data + 5, "\x01\x00\x00", 3)))
                ? DPI_PROTO_YES : DPI_PROTO_NO);
    }
    size = db_be32(data + 3);
    if ((data[0] != 1 && data[0] != 2 && data[0] != 3 && data[0] != 8)
        || size > 16 * 1024 * 1024
        || (data[0] == 8 && (size || db_be16(data + 1)))
        || (data[0] == 1 && size < 4)) {
        return DPI_PROTO_NO;
    } else if (len < 8 + (size_t) size) {
        return DPI_PROTO_MORE;
    }
    return data[7 + size] == 0xce ? DPI_PROTO_YES : DPI_PROTO_NO;
}

/* MQTT (MQTT 3.1.1 2.2 and 3.1, MQTT 5.0 2.1 and 3.1): a fixed header of a
 * packet type 1 to 15 (15, AUTH, is MQTT 5 only) and flags, which must be
 * 0010 for PUBREL, SUBSCRIBE and UNSUBSCRIBE and 0000 for the other types
 * except PUBLISH (whose QoS may not be 3), then the remaining length in
 * 1 to 4 bytes of 7 bits.  A CONNECT names the protocol: "MQTT" level 4
 * or 5, or "MQIsdp" level 3 (MQTT 3.1).  Other packets alone are weak
 * evidence: the parser accepts them only when the packets at hand follow
 * each other exactly (at least the whole first packet) on port 1883. */
enum dpi_proto_result
dpi_mqtt_parse(const struct dpi_proto_ctx *ctx, const uint8_t *data,
               size_t len, struct dpi_md *md)
{
    size_t pos = 0;
    int n_packets = 0;

    if (!ctx->is_tcp) {
        return DPI_PROTO_NO;
    }
    while (pos < len && n_packets < 4) {
        unsigned int type = data[pos] >> 4, flags = data[pos] & 0xf;
        size_t rem = 0, hdr = 1;

        if (!type || (type == 3 ? (flags & 6) == 6
                      : flags != (type == 6 || type == 8 || type == 10
                                  ? 2u : 0u))) {
            return DPI_PROTO_NO;
        }
        for (;;) {
            if (pos + hdr >= len) {
                return n_packets ? DPI_PROTO_YES : DPI_PROTO_MORE;
            } else if (hdr > 4) {
                return DPI_PROTO_NO;
            }
            rem |= (size_t) (data[pos + hdr] & 0x7f) << (7 * (hdr - 1));
            if (!(data[pos + hdr++] & 0x80)) {
                break;
            }
        }
        if (type == 1 && !n_packets) {
            const uint8_t *p = data + pos + hdr;

            if (rem < 10) {
                return DPI_PROTO_NO;
            } else if (pos + hdr + 9 > len) {
                return DPI_PROTO_MORE;
            }
            return ((!memcmp(p, "\x00\x04MQTT", 6) && (p[6] == 4
                                                       || p[6] == 5))
                    || (rem >= 12 && pos + hdr + 9 <= len
                        && !memcmp(p, "\x00\x06MQIsdp", 8) && p[8] == 3)
                    ? DPI_PROTO_YES : DPI_PROTO_NO);
        }
        if (ctx->server_port != 1883 && ctx->client_port != 1883) {
            return DPI_PROTO_NO;
        }
        pos += hdr + rem;
        n_packets++;
    }
    if (pos > len) {
        return n_packets > 1 ? DPI_PROTO_YES : DPI_PROTO_MORE;
    }
    return DPI_PROTO_YES;
}
