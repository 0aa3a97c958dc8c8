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

/* DTLS parser (RFC 6347; RFC 9147 for DTLS 1.3's plaintext handshake).
 *
 * A datagram carries whole records.  Its first record must be a handshake
 * record (content type 22) of epoch 0 with a DTLS version (0xfeff DTLS 1.0,
 * 0xfefd DTLS 1.2, 0xfefc DTLS 1.3, or 0x0100, the pre-standard DTLS of
 * OpenSSL's DTLS1_BAD_VER that Cisco AnyConnect still uses), 13 bytes of
 * header whose length must fit in the datagram.  Its handshake message has
 * a 12-byte header (type, length, message_seq, fragment_offset,
 * fragment_length) whose fragment must fit in the record.
 *
 * To the server the message must be the first fragment of a ClientHello,
 * whose body is walked by proto/tls.c (server name to tls_sni, ALPN to
 * tls_alpn, JA4 with "d" when the whole ClientHello is in the fragment).
 * To the client it must be a HelloVerifyRequest or a ServerHello, whose
 * version goes to tls_version. */

#include "dpi-proto.h"
#include "proto/tls.h"

#include <stdbool.h>
#include <string.h>

/* Header lengths. */
#define DTLS_RECORD_HDR 13
#define DTLS_HS_HDR 12

/* Content type and handshake message types. */
#define DTLS_CT_HANDSHAKE 22
#define DTLS_HS_CLIENT_HELLO 1
#define DTLS_HS_SERVER_HELLO 2
#define DTLS_HS_HELLO_VERIFY_REQUEST 3

/* Returns the name of DTLS version 'v', or NULL if it is not one. */
static const char *
dtls_version_name(unsigned int v)
{
    switch (v) {
    case 0xfeff: return "DTLSv1.0";
    case 0xfefd: return "DTLSv1.2";
    case 0xfefc: return "DTLSv1.3";
    }
    return NULL;
}

/* Returns true if 'v' is a DTLS version: a standard one or 0x0100. */
static bool
dtls_version_ok(unsigned int v)
{
    return dtls_version_name(v) || v == 0x0100;
}

/* Reads a big-endian integer of 'n' bytes at 'p'. */
static size_t
dtls_uint(const uint8_t *p, size_t n)
{
    size_t v = 0;

    while (n--) {
        v = v << 8 | *p++;
    }
    return v;
}

/* Parses the first record of a DTLS datagram.  See the comment at the top
 * of this file and dpi-proto.h. */
enum dpi_proto_result
dpi_dtls_parse(const struct dpi_proto_ctx *ctx, const uint8_t *data,
               size_t len, struct dpi_md *md)
{
    size_t rec_len, hs_len, frag_off, frag_len, type;
    const uint8_t *hs, *body;
    const char *name;

    if (ctx->is_tcp || len < DTLS_RECORD_HDR + DTLS_HS_HDR
        || data[0] != DTLS_CT_HANDSHAKE
        || !dtls_version_ok((unsigned int) dtls_uint(data + 1, 2))
        || dtls_uint(data + 3, 2) != 0) {
        return DPI_PROTO_NO;
    }
    rec_len = dtls_uint(data + 11, 2);
    if (rec_len < DTLS_HS_HDR || rec_len > len - DTLS_RECORD_HDR) {
        return DPI_PROTO_NO;
    }
    hs = data + DTLS_RECORD_HDR;
    type = hs[0];
    hs_len = dtls_uint(hs + 1, 3);
    frag_off = dtls_uint(hs + 6, 3);
    frag_len = dtls_uint(hs + 9, 3);
    if (frag_len > rec_len - DTLS_HS_HDR || frag_off + frag_len > hs_len
        || frag_off != 0) {
        return DPI_PROTO_NO;
    }
    body = hs + DTLS_HS_HDR;

    if (ctx->to_server) {
        if (type != DTLS_HS_CLIENT_HELLO) {
            return DPI_PROTO_NO;
        }
        /* A ClientHello fragmented over several records is consistent as
         * far as its first fragment goes: enough to identify DTLS. */
        return (dpi_tls_hello_body(body, frag_len, hs_len,
                                   DPI_TLS_KIND_DTLS, md) == DPI_PROTO_NO
                ? DPI_PROTO_NO : DPI_PROTO_YES);
    }
    if (type != DTLS_HS_SERVER_HELLO && type != DTLS_HS_HELLO_VERIFY_REQUEST) {
        return DPI_PROTO_NO;
    }
    if (frag_len < 2) {
        return DPI_PROTO_NO;
    }
    if (!dtls_version_ok((unsigned int) dtls_uint(body, 2))) {
        return DPI_PROTO_NO;
    }
    name = dtls_version_name((unsigned int) dtls_uint(body, 2));
    if (name && type == DTLS_HS_SERVER_HELLO) {
        dpi_md_set(md, DPI_F_tls_version, name, strlen(name));
    }
    return DPI_PROTO_YES;
}
