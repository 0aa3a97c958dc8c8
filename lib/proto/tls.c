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
 * it; a length that overruns its container is NO.  The parser stops, YES, as
 * soon as the first host_name of the server_name extension has been read,
 * or at the end of a ClientHello without one; when the bytes end before
 * that, it is MORE.  To the client the message must be a ServerHello,
 * recognised from its header.  A ClientHello in the SSL 2.0 compatible
 * format is recognised too (it has no server name). */

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

/* Extension type of server_name (RFC 6066). */
#define TLS_EXT_SERVER_NAME 0

/* A reader of the handshake bytes carried by consecutive handshake records
 * at the start of a stream. */
struct tls_reader {
    const uint8_t *data;        /* The stream. */
    size_t len;                 /* Bytes at 'data'. */
    size_t pos;                 /* Next byte to read in 'data'. */
    size_t rec_left;            /* Bytes left in the current record. */
    bool more;                  /* The stream ended before a read. */
    bool bad;                   /* A record header was invalid. */
};

/* Makes sure that the byte at 'r->pos' is a handshake byte, crossing as many
 * record headers as needed.  Returns false, with 'r->more' or 'r->bad' set,
 * if that is not possible. */
static bool
tls_fill(struct tls_reader *r)
{
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
        r->rec_left -= k;
        n -= k;
    }
    return true;
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

/* Reads the server_name extension, of 'ext_len' bytes.  Returns true with
 * the first host_name in 'sni' (truncated to 'size' bytes, NUL-terminated),
 * or true with an empty 'sni' if it holds no host_name, or false on error or
 * missing bytes. */
static bool
tls_read_sni(struct tls_reader *r, size_t ext_len, char *sni, size_t size)
{
    size_t left = ext_len, list_len;

    if (!tls_read_len(r, 2, &left, &list_len)) {
        return false;
    }
    left = list_len;
    while (left) {
        size_t type, name_len;

        if (!left) {
            r->bad = true;
            return false;
        }
        if (!tls_read_uint(r, 1, &type)) {
            return false;
        }
        left--;
        if (!tls_read_len(r, 2, &left, &name_len)) {
            return false;
        }
        if (type == 0) {
            size_t n = name_len < size - 1 ? name_len : size - 1;

            if (!tls_read(r, (uint8_t *) sni, n)) {
                return false;
            }
            sni[n] = '\0';
            return true;
        }
        if (!tls_skip(r, name_len, &left)) {
            return false;
        }
    }
    sni[0] = '\0';
    return true;
}

/* Parses a ClientHello body of 'left' bytes. */
static enum dpi_proto_result
tls_parse_client_hello(struct tls_reader *r, size_t left,
                       struct dpi_metadata *md)
{
    char sni[sizeof md->tls_sni];
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
        size_t type, ext_len;

        if (ext_left < 2) {
            return DPI_PROTO_NO;
        }
        if (!tls_read_uint(r, 2, &type)) {
            return r->more ? DPI_PROTO_MORE : DPI_PROTO_NO;
        }
        ext_left -= 2;
        if (!tls_read_len(r, 2, &ext_left, &ext_len)) {
            return r->more ? DPI_PROTO_MORE : DPI_PROTO_NO;
        }
        if (type == TLS_EXT_SERVER_NAME) {
            if (!tls_read_sni(r, ext_len, sni, sizeof sni)) {
                return r->more ? DPI_PROTO_MORE : DPI_PROTO_NO;
            }
            if (sni[0]) {
                memcpy(md->tls_sni, sni, sizeof sni);
            }
            return DPI_PROTO_YES;
        }
        if (!tls_skip(r, ext_len, &ext_left)) {
            return r->more ? DPI_PROTO_MORE : DPI_PROTO_NO;
        }
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

/* Parses the first handshake message of a TLS stream: a ClientHello if
 * 'to_server', else a ServerHello.  See dpi-proto.h. */
enum dpi_proto_result
dpi_tls_parse(const uint8_t *data, size_t len, bool to_server,
              struct dpi_metadata *md)
{
    struct tls_reader r = { .data = data, .len = len };
    size_t type, hs_len, version;

    if (to_server && len && data[0] & 0x80) {
        return tls_parse_v2_client_hello(data, len);
    }
    if (!tls_read_uint(&r, 1, &type) || !tls_read_uint(&r, 3, &hs_len)) {
        return r.more ? DPI_PROTO_MORE : DPI_PROTO_NO;
    }
    if (type != (to_server ? TLS_HS_CLIENT_HELLO : TLS_HS_SERVER_HELLO)) {
        return DPI_PROTO_NO;
    }
    if (to_server) {
        return tls_parse_client_hello(&r, hs_len, md);
    }
    if (hs_len < 38 || !tls_read_uint(&r, 2, &version)) {
        return r.more ? DPI_PROTO_MORE : DPI_PROTO_NO;
    }
    return version >> 8 == 3 ? DPI_PROTO_YES : DPI_PROTO_NO;
}
