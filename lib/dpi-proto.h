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

#ifndef DPI_PROTO_H
#define DPI_PROTO_H 1

/* Protocol parsers.
 *
 * One small parser per protocol family, in lib/proto/.  Each is a pure
 * function of the bytes it is given: it touches no global state and keeps
 * no state between calls other than what it stores in the connection's
 * metadata, so it can be tested from a captured payload alone and may run
 * on any thread.
 *
 * For TCP, 'data' is the start of one direction's byte stream, reassembled
 * in order by the engine from the first segments of the connection (at most
 * DPI_PROTO_MAX_STREAM bytes).  For UDP it is one datagram's payload.
 * After the verdict, a parser registered with 'follow' also sees each later
 * payload packet of its connection on its own (ctx->follow is then true:
 * TCP segments are not reassembled any more), to extract the metadata of
 * later requests: every URI of a keep-alive HTTP connection, every query of
 * a DNS flow.
 *
 * A parser returns:
 *
 *   - DPI_PROTO_NO if the bytes cannot be this protocol;
 *
 *   - DPI_PROTO_MORE if they could be, but more bytes of the same direction
 *     are needed to decide or to extract the metadata (e.g. a TLS
 *     ClientHello split over several segments); for UDP, the next datagram
 *     of the same direction is needed (e.g. RTP, whose header is only
 *     believed when a second packet continues the first one's sequence);
 *
 *   - DPI_PROTO_YES if they are this protocol.
 *
 * Metadata found is added to 'md' with dpi_md_add() (dpi-md.h); a parser
 * that returns MORE may be called again with a longer prefix and must not
 * add values it would add differently then (adding the same value twice is
 * harmless: dpi_md_add() ignores duplicates).
 *
 * A parser that sees another connection announced (an FTP server's
 * passive mode reply names the port the client will connect to for the
 * data) adds one value per announced connection to the hidden field
 * _expect, as the text
 *
 *     APP PROTO SIDE ADDR PORT
 *
 * APP is the announced connection's protocol id (decimal); PROTO is "t"
 * (TCP) or "u" (UDP); the announced connection's server is ADDR:PORT,
 * ADDR being an IPv4 or IPv6 address of the announcing connection's
 * family, or "-" for the address of the end named by SIDE; SIDE is "s" if
 * the announced connection goes to the announcing connection's server
 * side, from its client (FTP PASV, EPSV), or "c" if it goes to its client
 * side, from its server (FTP PORT, EPRT).  Macro DPI_PROTO_EXPECT_FMT is the
 * printf() format.  For protocols listed in lib/dpi-engine.c, the engine
 * moves these values into its table of expected connections
 * (dpi-expect.h) after each parser call and removes the field, and a new
 * connection matching one gets APP as its protocol on its first packet.
 *
 * Parsers never read outside [data, data + len). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dpi.h"
#include "dpi-md.h"

/* Longest stream prefix, per direction, the engine buffers for parsers. */
#define DPI_PROTO_MAX_STREAM 16384

/* printf() format of an _expect value (see above): protocol id, "t" or
 * "u", "s" or "c", address or "-", port. */
#define DPI_PROTO_EXPECT_FMT "%u %s %s %s %u"

/* What a parser decided. */
enum dpi_proto_result {
    DPI_PROTO_NO,               /* Not this protocol. */
    DPI_PROTO_MORE,             /* Maybe; give me more bytes. */
    DPI_PROTO_YES,              /* This protocol; 'md' updated. */
};

/* What a parser knows of the bytes it is given. */
struct dpi_proto_ctx {
    bool to_server;             /* Client to server direction. */
    bool is_tcp;                /* TCP stream; else a UDP datagram. */
    bool follow;                /* A packet after the verdict. */
    uint16_t client_port;       /* The client's port. */
    uint16_t server_port;       /* The server's port. */
    uint32_t tcp_seq;           /* TCP: sequence number of the packet's
                                 * first payload byte (follow mode, where
                                 * the parser orders segments itself). */
    uint64_t now_us;            /* Packet time, microseconds. */
};

/* A protocol parser. */
typedef enum dpi_proto_result dpi_proto_func(const struct dpi_proto_ctx *,
                                             const uint8_t *data,
                                             size_t len, struct dpi_md *);

/* When a protocol's verdict is final. */
enum dpi_final_rule {
    DPI_FINAL_ANY,              /* On its first YES. */
    DPI_FINAL_CLIENT,           /* On the client's YES, or the server's
                                 * when the client cannot give more. */
    DPI_FINAL_BOTH,             /* On both directions' YES. */
};

/* A protocol with a parser (lib/proto/parsers.def). */
struct dpi_parser {
    uint16_t app;               /* Protocol id (dpi-apps.def). */
    dpi_proto_func *parse;      /* Its parser. */
    enum dpi_final_rule final;  /* When its verdict is final. */
    enum dpi_field host_field;  /* Field holding the host name that picks
                                 * the service, or 0. */
    bool follow;                /* Sees packets after the verdict. */
};

const struct dpi_parser *dpi_parser_find(uint16_t app);

/* The parsers, declared from lib/proto/parsers.def. */
#define DPI_PARSER(APP, FUNC, FINAL, HOST_FIELD, FOLLOW) dpi_proto_func FUNC;
#include "proto/parsers.def"
#undef DPI_PARSER

/* Parses a TLS ClientHello handshake message (type 1, with its 4-byte
 * header) of 'len' bytes at 'msg', for TLS or for QUIC (is_quic): adds the
 * server name to tls_sni or quic_sni, the ALPN protocols to tls_alpn or
 * quic_alpn, the JA4 fingerprint to tls_ja4 (with "q" for QUIC) and, for
 * QUIC, Chrome's google_user_agent transport parameter to
 * quic_user_agent.  Returns DPI_PROTO_YES if
 * the message parsed, DPI_PROTO_NO otherwise. */
enum dpi_proto_result dpi_tls_client_hello(const uint8_t *msg, size_t len,
                                           bool is_quic, struct dpi_md *);

/* Returns the protocol that TLS on server port 'port' carries by IANA
 * assignment (imaps on 993, pops on 995, smtps on 465, ftps on 990), or
 * 0.  Defined in lib/proto/mail.c. */
uint16_t dpi_tls_port_proto(uint16_t port);
bool dpi_tls_follow_done(const struct dpi_md *);

#endif /* dpi-proto.h */
