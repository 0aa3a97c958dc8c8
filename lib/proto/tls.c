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

/* TLS parser: the first handshake message of each direction.
 *
 * The stream must start with a handshake record (content type 22, version
 * 3.x).  The first handshake message may span several records (and, the
 * stream being reassembled, several TCP segments): a reader walks the
 * payloads of consecutive handshake records as one byte sequence, checking
 * every record header it crosses.
 *
 * To the server the message must be a ClientHello.  Every length in it
 * (session id, cipher suites, compression methods, extensions, the
 * server_name list and name) is checked against the length that encloses
 * it; a length that overruns its container is NO.  The whole ClientHello
 * is read (YES at its end, MORE until then); the server name and the ALPN
 * protocols are recorded as soon as they have been read, so that a
 * ClientHello cut short by the capture still gives its server name.  To the
 * client the message must be a ServerHello, whose version (or
 * supported_versions choice) is recorded.  A ClientHello in the SSL 2.0
 * compatible format is recognised too (it has no server name).
 *
 * dpi_tls_client_hello() reads a bare ClientHello message, for QUIC. */

#include "dpi-proto.h"

#include <stdbool.h>
#include <string.h>

/* TLS record content type of handshake records. */
#define TLS_CT_HANDSHAKE 22

/* Handshake message types. */
#define TLS_HS_CLIENT_HELLO 1
#define TLS_HS_SERVER_HELLO 2

/* Largest record payload accepted: 2^14 plus the expansion TLS 1.2 allows
 * for compressed or protected records. */
#define TLS_MAX_RECORD (16384 + 2048)

/* Longest server name kept; a longer one is cut (DNS names have at most
 * 253 characters). */
#define TLS_MAX_NAME 1024

/* Extension types: server_name (RFC 6066), ALPN (RFC 7301),
 * supported_versions (RFC 8446). */
#define TLS_EXT_SERVER_NAME 0
#define TLS_EXT_ALPN 16
#define TLS_EXT_SUPPORTED_VERSIONS 43

/* A reader of the handshake bytes carried by consecutive handshake records
 * at the start of a stream. */
struct tls_reader {
    const uint8_t *data;        /* The stream. */
    size_t len;                 /* Bytes at 'data'. */
    size_t pos;                 /* Next byte to read in 'data'. */
    size_t rec_left;            /* Bytes left in the current record. */
    bool more;                  /* The stream ended before a read. */
    bool bad;                   /* A record header was invalid. */
    size_t hs_pos;              /* Handshake bytes read so far. */
    bool raw;                   /* Bare handshake bytes, no records (as
                                 * QUIC's CRYPTO frames carry them). */
};

/* Makes sure that the byte at 'r->pos' is a handshake byte, crossing as many
 * record headers as needed.  Returns false, with 'r->more' or 'r->bad' set,
 * if that is not possible. */
static bool
tls_fill(struct tls_reader *r)
{
    if (r->raw && !r->rec_left) {
        r->rec_left = r->len - r->pos;
    }
    while (!r->rec_left) {
        const uint8_t *h = r->data + r->pos;
        size_t avail = r->len - r->pos;
        size_t rec_len;

        if ((avail > 0 && h[0] != TLS_CT_HANDSHAKE)
            || (avail > 1 && h[1] != 3)
            || (avail > 2 && h[2] > 4)) {
            r->bad = true;
            return false;
        }
        if (avail < 5) {
            r->more = true;
            return false;
        }
        rec_len = (size_t) h[3] << 8 | h[4];
        if (!rec_len || rec_len > TLS_MAX_RECORD) {
            r->bad = true;
            return false;
        }
        r->rec_left = rec_len;
        r->pos += 5;
    }
    if (r->pos >= r->len) {
        r->more = true;
        return false;
    }
    return true;
}

/* Reads the next 'n' handshake bytes into 'dst' (which may be NULL to skip
 * them).  Returns false if they are not all there. */
static bool
tls_read(struct tls_reader *r, uint8_t *dst, size_t n)
{
    while (n) {
        size_t k = n;

        if (!tls_fill(r)) {
            return false;
        }
        if (k > r->rec_left) {
            k = r->rec_left;
        }
        if (k > r->len - r->pos) {
            k = r->len - r->pos;
        }
        if (dst) {
            memcpy(dst, r->data + r->pos, k);
            dst += k;
        }
        r->pos += k;
        r->hs_pos += k;
        r->rec_left -= k;
        n -= k;
    }
    return true;
}

/* Returns the handshake bytes read since 'r->hs_pos' was 'start'. */
static size_t
tls_reader_used(const struct tls_reader *r, size_t start)
{
    return r->hs_pos - start;
}

/* Reads an unsigned big-endian integer of 'n' (at most 4) bytes into
 * '*value'.  Returns false if the bytes are not all there. */
static bool
tls_read_uint(struct tls_reader *r, size_t n, size_t *value)
{
    uint8_t b[4];
    size_t i;

    if (!tls_read(r, b, n)) {
        return false;
    }
    *value = 0;
    for (i = 0; i < n; i++) {
        *value = *value << 8 | b[i];
    }
    return true;
}

/* Reads a length field of 'n' bytes into '*value' and charges it, with the
 * field itself, to '*left', the bytes left in the enclosing structure.
 * Sets 'r->bad' if the field or its length overrun '*left'. */
static bool
tls_read_len(struct tls_reader *r, size_t n, size_t *left, size_t *value)
{
    if (*left < n) {
        r->bad = true;
        return false;
    }
    if (!tls_read_uint(r, n, value)) {
        return false;
    }
    *left -= n;
    if (*value > *left) {
        r->bad = true;
        return false;
    }
    return true;
}

/* Skips 'n' bytes charged to '*left' (which must hold them). */
static bool
tls_skip(struct tls_reader *r, size_t n, size_t *left)
{
    if (!tls_read(r, NULL, n)) {
        return false;
    }
    *left -= n;
    return true;
}

/* Returns the name of TLS version 'v' (as in supported_versions), or NULL
 * if it is not one. */
static const char *
tls_version_name(size_t v)
{
    switch (v) {
    case 0x0300: return "SSLv3";
    case 0x0301: return "TLSv1";
    case 0x0302: return "TLSv1.1";
    case 0x0303: return "TLSv1.2";
    case 0x0304: return "TLSv1.3";
    }
    return NULL;
}

/* Reads the server_name extension, of 'ext_len' bytes, and adds its first
 * host_name to field 'f'.  Returns false on error or missing bytes. */
static bool
tls_read_sni(struct tls_reader *r, size_t ext_len, struct dpi_md *md,
             enum dpi_field f)
{
    size_t left = ext_len, list_len;

    if (!tls_read_len(r, 2, &left, &list_len)) {
        return false;
    }
    left = list_len;
    while (left) {
        uint8_t name[TLS_MAX_NAME];
        size_t type, name_len, n;

        if (!tls_read_uint(r, 1, &type)) {
            return false;
        }
        left--;
        if (!tls_read_len(r, 2, &left, &name_len)) {
            return false;
        }
        if (type == 0) {
            n = name_len < sizeof name ? name_len : sizeof name;
            if (!tls_read(r, name, n)) {
                return false;
            }
            dpi_md_add(md, f, name, n);
            return true;
        }
        if (!tls_skip(r, name_len, &left)) {
            return false;
        }
    }
    return true;
}

/* Reads the ALPN extension, of 'ext_len' bytes, and adds each protocol to
 * field 'f'.  Returns false on error or missing bytes. */
static bool
tls_read_alpn(struct tls_reader *r, size_t ext_len, struct dpi_md *md,
              enum dpi_field f)
{
    size_t left = ext_len, list_len;

    if (!tls_read_len(r, 2, &left, &list_len)) {
        return false;
    }
    left = list_len;
    while (left) {
        uint8_t name[256];
        size_t n;

        if (!tls_read_len(r, 1, &left, &n) || !tls_read(r, name, n)) {
            return false;
        }
        left -= n;
        dpi_md_add(md, f, name, n);
    }
    return true;
}

/* Skips the extension of 'ext_len' bytes that was not read, or what is
 * left of one that was only partly read ('used' bytes). */
static bool
tls_skip_rest(struct tls_reader *r, size_t ext_len, size_t used,
              size_t *ext_left)
{
    if (used > ext_len) {
        r->bad = true;
        return false;
    }
    if (!tls_read(r, NULL, ext_len - used)) {
        return false;
    }
    *ext_left -= ext_len;
    return true;
}

/* Parses a ClientHello body of 'left' bytes: records the server name and
 * ALPN protocols in the TLS or QUIC fields. */
static enum dpi_proto_result
tls_parse_client_hello(struct tls_reader *r, size_t left, bool is_quic,
                       struct dpi_md *md)
{
    enum dpi_field sni_f = is_quic ? DPI_F_quic_sni : DPI_F_tls_sni;
    enum dpi_field alpn_f = is_quic ? DPI_F_quic_alpn : DPI_F_tls_alpn;
    size_t version, n, ext_left;

    /* client_version, random, session_id, cipher_suites,
     * compression_methods. */
    if (left < 34 || !tls_read_uint(r, 2, &version)) {
        return r->more ? DPI_PROTO_MORE : DPI_PROTO_NO;
    }
    if (version >> 8 != 3 || !tls_skip(r, 32, &left)) {
        return r->more ? DPI_PROTO_MORE : DPI_PROTO_NO;
    }
    left -= 2;
    if (!tls_read_len(r, 1, &left, &n) || n > 32 || !tls_skip(r, n, &left)
        || !tls_read_len(r, 2, &left, &n) || n < 2 || n % 2
        || !tls_skip(r, n, &left)
        || !tls_read_len(r, 1, &left, &n) || n < 1
        || !tls_skip(r, n, &left)) {
        return r->more ? DPI_PROTO_MORE : DPI_PROTO_NO;
    }
    if (!left) {
        return DPI_PROTO_YES;   /* No extensions. */
    }

    /* Extensions. */
    if (!tls_read_len(r, 2, &left, &ext_left)) {
        return r->more ? DPI_PROTO_MORE : DPI_PROTO_NO;
    }
    while (ext_left) {
        size_t type, ext_len, start;
        bool ok = true;

        if (ext_left < 4) {
            return DPI_PROTO_NO;
        }
        if (!tls_read_uint(r, 2, &type)) {
            return r->more ? DPI_PROTO_MORE : DPI_PROTO_NO;
        }
        ext_left -= 2;
        if (!tls_read_len(r, 2, &ext_left, &ext_len)) {
            return r->more ? DPI_PROTO_MORE : DPI_PROTO_NO;
        }
        start = r->hs_pos;
        if (type == TLS_EXT_SERVER_NAME) {
            ok = tls_read_sni(r, ext_len, md, sni_f);
        } else if (type == TLS_EXT_ALPN) {
            ok = tls_read_alpn(r, ext_len, md, alpn_f);
        }
        if (!ok || !tls_skip_rest(r, ext_len,
                                  tls_reader_used(r, start), &ext_left)) {
            return r->more ? DPI_PROTO_MORE : DPI_PROTO_NO;
        }
    }
    return DPI_PROTO_YES;
}

/* Parses a ServerHello body of 'left' bytes: records the version chosen
 * (from supported_versions in TLS 1.3). */
static enum dpi_proto_result
tls_parse_server_hello(struct tls_reader *r, size_t left, struct dpi_md *md)
{
    size_t version, n, ext_left;
    const char *name;

    if (left < 38 || !tls_read_uint(r, 2, &version)) {
        return r->more ? DPI_PROTO_MORE : DPI_PROTO_NO;
    }
    if (version >> 8 != 3) {
        return DPI_PROTO_NO;
    }
    left -= 2;
    if (!tls_skip(r, 32, &left) || !tls_read_len(r, 1, &left, &n)
        || n > 32 || !tls_skip(r, n, &left) || left < 3
        || !tls_skip(r, 3, &left)) {
        return r->more ? DPI_PROTO_MORE : DPI_PROTO_NO;
    }
    if (left && tls_read_len(r, 2, &left, &ext_left)) {
        while (ext_left >= 4) {
            size_t type, ext_len, v;

            ext_left -= 4;
            if (!tls_read_uint(r, 2, &type) || !tls_read_uint(r, 2, &ext_len)
                || ext_len > ext_left) {
                break;
            }
            if (type == TLS_EXT_SUPPORTED_VERSIONS && ext_len == 2
                && tls_read_uint(r, 2, &v)) {
                version = v;
                break;
            }
            if (!tls_read(r, NULL, ext_len)) {
                break;
            }
            ext_left -= ext_len;
        }
    }
    name = tls_version_name(version);
    if (name) {
        dpi_md_set(md, DPI_F_tls_version, name, strlen(name));
    }
    return DPI_PROTO_YES;
}

/* Parses a ClientHello in the SSL 2.0 compatible format (RFC 5246 E.2):
 * a 2-byte header with the high bit set, message type 1, version 3.x.  It
 * carries no extensions, so no server name. */
static enum dpi_proto_result
tls_parse_v2_client_hello(const uint8_t *data, size_t len)
{
    size_t i;

    for (i = 2; i < 5 && i < len; i++) {
        if ((i == 2 && data[i] != TLS_HS_CLIENT_HELLO)
            || (i == 3 && data[i] != 3) || (i == 4 && data[i] > 3)) {
            return DPI_PROTO_NO;
        }
    }
    if (len < 5) {
        return DPI_PROTO_MORE;
    }
    return ((size_t) (data[0] & 0x7f) << 8 | data[1]) < 9
           ? DPI_PROTO_NO : DPI_PROTO_YES;
}

/* Recognises a TLS connection captured after its handshake: the bytes
 * start with a change_cipher_spec (20), alert (21) or application_data
 * (23) record of version 3.1 to 3.4.  Every record header met must be
 * valid and the records must tile the bytes: YES once one complete record
 * has been checked and the bytes end exactly at a record boundary or at a
 * valid next header, MORE while the first record is incomplete, NO
 * otherwise.  Nothing is extracted: the handshake is gone. */
static enum dpi_proto_result
tls_parse_mid_stream(const uint8_t *data, size_t len)
{
    size_t pos = 0;
    int n = 0;

    while (pos < len) {
        const uint8_t *h = data + pos;
        size_t avail = len - pos, rec_len;

        if ((h[0] != 20 && h[0] != 21 && h[0] != 23)
            || (avail > 1 && h[1] != 3)
            || (avail > 2 && (h[2] < 1 || h[2] > 4))) {
            return DPI_PROTO_NO;
        }
        if (avail < 5) {
            return n ? DPI_PROTO_YES : DPI_PROTO_MORE;
        }
        rec_len = (size_t) h[3] << 8 | h[4];
        if (!rec_len || rec_len > TLS_MAX_RECORD) {
            return DPI_PROTO_NO;
        }
        if (avail < 5 + rec_len) {
            return n ? DPI_PROTO_YES : DPI_PROTO_MORE;
        }
        pos += 5 + rec_len;
        n++;
    }
    return DPI_PROTO_YES;
}

/* Parses the first handshake message of a TLS stream: a ClientHello to
 * the server, else a ServerHello.  See dpi-proto.h. */
enum dpi_proto_result
dpi_tls_parse(const struct dpi_proto_ctx *ctx, const uint8_t *data,
              size_t len, struct dpi_md *md)
{
    struct tls_reader r = { .data = data, .len = len };
    enum dpi_proto_result res;
    size_t type, hs_len;

    if (!ctx->is_tcp) {
        return DPI_PROTO_NO;
    }
    if (ctx->to_server && len && data[0] & 0x80) {
        return tls_parse_v2_client_hello(data, len);
    }
    if (len && data[0] != TLS_CT_HANDSHAKE) {
        res = tls_parse_mid_stream(data, len);
    } else if (!tls_read_uint(&r, 1, &type)
               || !tls_read_uint(&r, 3, &hs_len)) {
        return r.more ? DPI_PROTO_MORE : DPI_PROTO_NO;
    } else if (type != (ctx->to_server ? TLS_HS_CLIENT_HELLO
                                       : TLS_HS_SERVER_HELLO)) {
        return DPI_PROTO_NO;
    } else {
        res = (ctx->to_server
               ? tls_parse_client_hello(&r, hs_len, false, md)
               : tls_parse_server_hello(&r, hs_len, md));
    }
    if (res == DPI_PROTO_YES) {
        uint16_t app = dpi_tls_port_proto(ctx->server_port);

        if (app) {
            dpi_md_set_u64(md, DPI_F__proto, app);
        }
    }
    return res;
}

/* See dpi-proto.h. */
enum dpi_proto_result
dpi_tls_client_hello(const uint8_t *msg, size_t len, bool is_quic,
                     struct dpi_md *md)
{
    struct tls_reader r = { .data = msg, .len = len, .raw = true };
    size_t type, hs_len;

    if (!tls_read_uint(&r, 1, &type) || !tls_read_uint(&r, 3, &hs_len)
        || type != TLS_HS_CLIENT_HELLO) {
        return DPI_PROTO_NO;
    }
    return (tls_parse_client_hello(&r, hs_len, is_quic, md) == DPI_PROTO_YES
            ? DPI_PROTO_YES : DPI_PROTO_NO);
}
