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

/* QUIC parser: the server name, ALPN, version and user agent of the
 * client's first packets.
 *
 * IETF QUIC (version 1, RFC 9000/9001; version 2, RFC 9369; the drafts;
 * Facebook's mvfst) and Google's late versions (Q050, T050, T051) protect
 * Initial packets with keys that anyone can derive from the Destination
 * Connection ID the client chose: HKDF-Extract with a salt that depends on
 * the version, then HKDF-Expand-Label for the key, IV and header
 * protection key.  This parser derives them (OpenSSL libcrypto), removes
 * the header protection (AES-128-ECB of a sample of the ciphertext),
 * decrypts the payload (AES-128-GCM) and walks its frames: PADDING, PING,
 * ACK, CONNECTION_CLOSE are skipped, CRYPTO frames are put in place by
 * their offset, any other frame ends the packet.  Several packets may be
 * coalesced in one datagram; Initial packets are read, 0-RTT and Handshake
 * packets skipped.
 *
 * The CRYPTO stream starts with the ClientHello (TLS, given to
 * dpi_tls_client_hello()) or, for Q050, the CHLO message of Google's
 * handshake.  A modern ClientHello does not fit in one datagram: the bytes
 * received so far, with their ranges and the original connection id, are
 * kept in the hidden field _quic_crypto of the connection's metadata, and
 * the parser says MORE until the message is whole; the field is removed
 * then.  Only the first DPI_QUIC_CRYPTO_MAX bytes of the stream are kept.
 *
 * Google QUIC up to Q046 sends its CHLO in clear: its tags SNI and UAID
 * (user agent) are read directly.
 *
 * Verdicts: a datagram that does not start with a well-formed QUIC header
 * is NO.  A well-formed long header whose packet cannot be read (server
 * Initials, Handshake packets, versions without known keys, a failed
 * decryption) is YES, so that such flows are still QUIC; a short header
 * is MORE (it has no version to check).
 *
 * Work per datagram is bounded: at most QUIC_MAX_PACKETS coalesced packets
 * are read, every length is checked against what encloses it, and the
 * frames of a packet are walked once. */

#include "dpi-crypto.h"
#include "dpi-proto.h"
#include "proto/quic.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Most coalesced packets read from one datagram. */
#define QUIC_MAX_PACKETS 8

/* Most bytes of the CRYPTO stream kept, and most disjoint ranges of them.
 * With the header of the saved state they stay within DPI_MD_VALUE_MAX. */
#define QUIC_CRYPTO_MAX 3968
#define QUIC_CRYPTO_RANGES 16

/* Length of the AEAD authentication tag and of the header protection
 * sample. */
#define QUIC_TAG_LEN 16
#define QUIC_SAMPLE_LEN 16

/* Frame types that may appear in Initial packets (RFC 9000, 12.4). */
#define QUIC_FRAME_PADDING 0x00
#define QUIC_FRAME_PING 0x01
#define QUIC_FRAME_ACK 0x02
#define QUIC_FRAME_ACK_ECN 0x03
#define QUIC_FRAME_CRYPTO 0x06
#define QUIC_FRAME_CLOSE 0x1c
#define QUIC_FRAME_CLOSE_APP 0x1d

/* Q050 numbers its CRYPTO frame 0x08 (Google QUIC frame types), with the
 * same fields. */
#define QUIC_FRAME_CRYPTO_Q050 0x08

/* Format byte of the saved reassembly state, to reject anything else. */
#define QUIC_STATE_FORMAT 0x51

/* Initial salts (RFC 9001 5.2; RFC 9369 3.3.1; the drafts; Google's
 * QUICHE for Q050, T050 and T051). */
static const uint8_t quic_salt_v1[20] = {
    0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
    0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a,
};
static const uint8_t quic_salt_v2[20] = {
    0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93,
    0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9,
};
static const uint8_t quic_salt_d22[20] = {
    0x7f, 0xbc, 0xdb, 0x0e, 0x7c, 0x66, 0xbb, 0xe9, 0x19, 0x3a,
    0x96, 0xcd, 0x21, 0x51, 0x9e, 0xbd, 0x7a, 0x02, 0x64, 0x4a,
};
static const uint8_t quic_salt_d23[20] = {
    0xc3, 0xee, 0xf7, 0x12, 0xc7, 0x2e, 0xbb, 0x5a, 0x11, 0xa7,
    0xd2, 0x43, 0x2b, 0xb4, 0x63, 0x65, 0xbe, 0xf9, 0xf5, 0x02,
};
static const uint8_t quic_salt_d29[20] = {
    0xaf, 0xbf, 0xec, 0x28, 0x99, 0x93, 0xd2, 0x4c, 0x9e, 0x97,
    0x86, 0xf1, 0x9c, 0x61, 0x11, 0xe0, 0x43, 0x90, 0xa8, 0x99,
};
static const uint8_t quic_salt_q050[20] = {
    0x50, 0x45, 0x74, 0xef, 0xd0, 0x66, 0xfe, 0x2f, 0x9d, 0x94,
    0x5c, 0xfc, 0xdb, 0xd3, 0xa7, 0xf0, 0xd3, 0xb5, 0x6b, 0x45,
};
static const uint8_t quic_salt_t050[20] = {
    0x7f, 0xf5, 0x79, 0xe5, 0xac, 0xd0, 0x72, 0x91, 0x55, 0x80,
    0x30, 0x4c, 0x43, 0xa2, 0x36, 0x7c, 0x60, 0x48, 0x83, 0x10,
};
static const uint8_t quic_salt_t051[20] = {
    0x7a, 0x4e, 0xde, 0xf4, 0xe7, 0xcc, 0xee, 0x5f, 0xa4, 0x50,
    0x6c, 0x19, 0x12, 0x4f, 0xc8, 0xcc, 0xda, 0x6e, 0x03, 0x3d,
};

/* Versions. */
#define QUIC_V1 0x00000001
#define QUIC_V2 0x6b3343cf
#define QUIC_Q050 0x51303530
#define QUIC_T050 0x54303530
#define QUIC_T051 0x54303531

/* What the parser knows of a version with Initial protection. */
struct quic_version {
    const uint8_t *salt;        /* Initial salt, 20 bytes. */
    bool v2;                    /* QUIC v2 labels and packet types. */
    bool chlo;                  /* CRYPTO carries a Google CHLO (Q050),
                                 * not a TLS ClientHello. */
};

/* Looks up 'version'.  Returns true, with '*qv' filled in, for a version
 * whose Initial packets this parser can open. */
static bool
quic_version_lookup(uint32_t version, struct quic_version *qv)
{
    memset(qv, 0, sizeof *qv);
    if (version == QUIC_V1 || (version >= 0xff000021
                               && version <= 0xff000022)) {
        qv->salt = quic_salt_v1;
    } else if (version == QUIC_V2) {
        qv->salt = quic_salt_v2;
        qv->v2 = true;
    } else if (version >= 0xff00001d && version <= 0xff000020) {
        qv->salt = quic_salt_d29;
    } else if ((version >= 0xff000017 && version <= 0xff00001c)
               || (version >= 0xfaceb002 && version <= 0xfaceb00e)) {
        qv->salt = quic_salt_d23;
    } else if (version == 0xff000016 || version == 0xfaceb001) {
        qv->salt = quic_salt_d22;
    } else if (version == QUIC_Q050) {
        qv->salt = quic_salt_q050;
        qv->chlo = true;
    } else if (version == QUIC_T050) {
        qv->salt = quic_salt_t050;
    } else if (version == QUIC_T051) {
        qv->salt = quic_salt_t051;
    } else if ((version & 0x0f0f0f0f) == 0x0a0a0a0a) {
        /* A reserved version (RFC 9000, 15) that makes the server
         * negotiate: the clients that send it (the interop runner's)
         * protect it as draft-29 does. */
        qv->salt = quic_salt_d29;
    } else {
        return false;
    }
    return true;
}

/* Writes the name of 'version' ("v1", "draft-29", "Q046", "mvfst", ...)
 * into 'buf' of 'size' bytes. */
static void
quic_version_name(uint32_t version, char *buf, size_t size)
{
    uint8_t b[4] = { version >> 24, version >> 16, version >> 8, version };

    if (version == QUIC_V1) {
        snprintf(buf, size, "v1");
    } else if (version == QUIC_V2) {
        snprintf(buf, size, "v2");
    } else if ((version >> 8) == 0xff0000) {
        snprintf(buf, size, "draft-%u", version & 0xff);
    } else if ((version >> 8) == 0xfaceb0) {
        snprintf(buf, size, "mvfst");
    } else if ((b[0] == 'Q' || b[0] == 'T') && b[1] >= '0' && b[1] <= '9'
               && b[2] >= '0' && b[2] <= '9' && b[3] >= '0' && b[3] <= '9') {
        snprintf(buf, size, "%c%c%c%c", b[0], b[1], b[2], b[3]);
    } else {
        snprintf(buf, size, "0x%08x", version);
    }
}

/* Adds the name of 'version' to quic_version in 'md'. */
static void
quic_add_version(struct dpi_md *md, uint32_t version)
{
    char name[16];

    quic_version_name(version, name, sizeof name);
    dpi_md_add_cstr(md, DPI_F_quic_version, name);
}

/* Reads a big-endian number of 'n' bytes at 'p'. */
static uint32_t
quic_get_be(const uint8_t *p, size_t n)
{
    uint32_t v = 0;

    while (n--) {
        v = v << 8 | *p++;
    }
    return v;
}

/* Reads a variable-length integer (RFC 9000, 16) at '*pos' of the 'len'
 * bytes at 'p' into '*value' and advances '*pos'.  Returns false if it
 * does not fit. */
static bool
quic_get_varint(const uint8_t *p, size_t len, size_t *pos, uint64_t *value)
{
    size_t n, i;
    uint64_t v;

    if (*pos >= len) {
        return false;
    }
    n = (size_t) 1 << (p[*pos] >> 6);
    if (n > len - *pos) {
        return false;
    }
    v = p[*pos] & 0x3f;
    for (i = 1; i < n; i++) {
        v = v << 8 | p[*pos + i];
    }
    *pos += n;
    *value = v;
    return true;
}

/* --- Initial keys and packet protection ---------------------------------- */

/* HKDF-Expand-Label (RFC 8446, 7.1) with SHA-256, an empty context and an
 * output of 'out_len' bytes (at most 32): writes it to 'out'.  Returns
 * false if libcrypto fails. */
static bool
quic_expand_label(const uint8_t secret[32], const char *label, uint8_t *out,
                  size_t out_len)
{
    uint8_t info[2 + 1 + 6 + 32 + 1 + 1];
    uint8_t block[DPI_CRYPTO_SHA256_LEN];
    size_t label_len = strlen(label), n = 0;

    if (label_len > 32 || out_len > 32) {
        return false;
    }
    info[n++] = out_len >> 8;
    info[n++] = out_len & 0xff;
    info[n++] = 6 + label_len;
    memcpy(info + n, "tls13 ", 6);
    n += 6;
    memcpy(info + n, label, label_len);
    n += label_len;
    info[n++] = 0;              /* Empty context. */
    info[n++] = 1;              /* HKDF-Expand's first block, T(1). */
    if (!dpi_crypto_hmac_sha256(secret, 32, info, n, block)) {
        return false;
    }
    memcpy(out, block, out_len);
    return true;
}

/* Derives into '*keys' the client's Initial keys of 'version' for the
 * Destination Connection ID of 'dcid_len' bytes at 'dcid'.  Returns false
 * for a version without known Initial keys or if libcrypto fails. */
bool
dpi_quic_initial_keys(uint32_t version, const uint8_t *dcid,
                      size_t dcid_len, struct dpi_quic_keys *keys)
{
    static const uint8_t empty[1];
    struct quic_version qv;
    uint8_t prk[DPI_CRYPTO_SHA256_LEN];

    if (!quic_version_lookup(version, &qv) || dcid_len > DPI_QUIC_MAX_CID) {
        return false;
    }
    if (!dpi_crypto_hmac_sha256(qv.salt, 20, dcid_len ? dcid : empty,
                                dcid_len, prk)) {
        return false;
    }
    return (quic_expand_label(prk, "client in", keys->secret, 32)
            && quic_expand_label(keys->secret,
                                 qv.v2 ? "quicv2 key" : "quic key",
                                 keys->key, sizeof keys->key)
            && quic_expand_label(keys->secret,
                                 qv.v2 ? "quicv2 iv" : "quic iv",
                                 keys->iv, sizeof keys->iv)
            && quic_expand_label(keys->secret,
                                 qv.v2 ? "quicv2 hp" : "quic hp",
                                 keys->hp, sizeof keys->hp));
}

/* Computes the header protection mask: AES-128-ECB of the 16-byte
 * 'sample' with key 'hp', into 'mask'.  Returns false on failure. */
static bool
quic_hp_mask(const uint8_t hp[16], const uint8_t *sample, uint8_t mask[16])
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n = 0;
    bool ok;

    if (!ctx) {
        return false;
    }
    ok = (EVP_EncryptInit_ex(ctx, dpi_crypto_aes_128_ecb(), NULL, hp,
                             NULL) == 1
          && EVP_CIPHER_CTX_set_padding(ctx, 0) == 1
          && EVP_EncryptUpdate(ctx, mask, &n, sample, QUIC_SAMPLE_LEN) == 1
          && n == QUIC_SAMPLE_LEN);
    EVP_CIPHER_CTX_free(ctx);
    return ok;
}

/* A long header packet located in a datagram. */
struct quic_long {
    uint32_t version;           /* Version field. */
    uint8_t type;               /* Long packet type, as in QUIC v1. */
    const uint8_t *dcid;        /* Destination Connection ID. */
    size_t dcid_len;            /* Its length. */
    size_t pn_off;              /* Offset of the packet number (for types
                                 * with a Length field). */
    size_t size;                /* Bytes of the packet, or 0 if it has no
                                 * Length field (Retry, unknown version:
                                 * it ends the datagram). */
};

/* Long packet types, as numbered by QUIC v1. */
#define QUIC_TYPE_INITIAL 0
#define QUIC_TYPE_0RTT 1
#define QUIC_TYPE_HANDSHAKE 2
#define QUIC_TYPE_RETRY 3

/* Parses the long header at the start of the 'len' bytes at 'p' into
 * '*h'.  For a version with known Initial protection, the whole header up
 * to the packet number is read and checked; for other versions only the
 * invariant part (RFC 8999).  Returns false if it is not a well-formed
 * long header. */
static bool
quic_parse_long(const uint8_t *p, size_t len, struct quic_long *h)
{
    struct quic_version qv;
    uint64_t token_len, length;
    size_t pos, scid_len;

    memset(h, 0, sizeof *h);
    if (len < 7 || !(p[0] & 0x80)) {
        return false;
    }
    h->version = quic_get_be(p + 1, 4);
    h->dcid_len = p[5];
    if (h->dcid_len > len - 7) {
        return false;
    }
    h->dcid = p + 6;
    pos = 6 + h->dcid_len;
    scid_len = p[pos++];
    if (scid_len > len - pos) {
        return false;
    }
    pos += scid_len;
    if (!h->version || !quic_version_lookup(h->version, &qv)) {
        return true;
    }

    /* A version we know: QUIC v1 rules. */
    if (!(p[0] & 0x40) || h->dcid_len > DPI_QUIC_MAX_CID
        || scid_len > DPI_QUIC_MAX_CID) {
        return false;
    }
    h->type = (p[0] >> 4) & 3;
    if (qv.v2) {
        /* RFC 9369, 3.2: Initial 0b01, 0-RTT 0b10, Handshake 0b11, Retry
         * 0b00. */
        h->type = (h->type + 3) & 3;
    }
    if (h->type == QUIC_TYPE_RETRY) {
        return true;
    }
    if (h->type == QUIC_TYPE_INITIAL) {
        if (!quic_get_varint(p, len, &pos, &token_len)
            || token_len > len - pos) {
            return false;
        }
        pos += token_len;
    }
    if (!quic_get_varint(p, len, &pos, &length) || length > len - pos
        || length < 4 + QUIC_SAMPLE_LEN) {
        return false;
    }
    h->pn_off = pos;
    h->size = pos + length;
    return true;
}

/* Removes the protection of the Initial packet 'h' at 'p' with 'keys' and
 * writes its plaintext to 'out' (of at least h->size bytes): stores its
 * length in '*out_len' and its packet number in '*pn'.  Returns false if
 * the packet does not authenticate. */
static bool
quic_open(const uint8_t *p, const struct quic_long *h,
          const struct dpi_quic_keys *keys, uint8_t *out, size_t *out_len,
          uint64_t *pn)
{
    uint8_t mask[16], first, pn_bytes[4], nonce[12];
    EVP_CIPHER_CTX *ctx;
    size_t pn_len, ct_off, ct_len, i;
    int n = 0, m = 0;
    bool ok;

    /* The sample starts 4 bytes after the packet number's offset;
     * quic_parse_long() checked that it is in the packet. */
    if (!quic_hp_mask(keys->hp, p + h->pn_off + 4, mask)) {
        return false;
    }
    first = p[0] ^ (mask[0] & 0x0f);
    pn_len = (first & 3) + 1;
    ct_off = h->pn_off + pn_len;
    if (h->size - ct_off < QUIC_TAG_LEN) {
        return false;
    }
    ct_len = h->size - ct_off - QUIC_TAG_LEN;
    *pn = 0;
    for (i = 0; i < pn_len; i++) {
        pn_bytes[i] = p[h->pn_off + i] ^ mask[1 + i];
        *pn = *pn << 8 | pn_bytes[i];
    }
    memcpy(nonce, keys->iv, sizeof nonce);
    for (i = 0; i < 8; i++) {
        nonce[11 - i] ^= (uint8_t) (*pn >> (8 * i));
    }

    ctx = EVP_CIPHER_CTX_new();
    if (!ctx) {
        return false;
    }
    /* The associated data is the header with its protection removed. */
    ok = (EVP_DecryptInit_ex(ctx, dpi_crypto_aes_128_gcm(), NULL, keys->key,
                             nonce) == 1
          && EVP_DecryptUpdate(ctx, NULL, &n, &first, 1) == 1
          && EVP_DecryptUpdate(ctx, NULL, &n, p + 1, h->pn_off - 1) == 1
          && EVP_DecryptUpdate(ctx, NULL, &n, pn_bytes, pn_len) == 1
          && EVP_DecryptUpdate(ctx, out, &n, p + ct_off, ct_len) == 1
          && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, QUIC_TAG_LEN,
                                 (void *) (p + ct_off + ct_len)) == 1
          && EVP_DecryptFinal_ex(ctx, out + n, &m) == 1);
    EVP_CIPHER_CTX_free(ctx);
    if (!ok) {
        return false;
    }
    *out_len = (size_t) n + m;
    return true;
}

/* Opens the client Initial packet at the start of the 'len' bytes at
 * 'data' with the keys of its own Destination Connection ID, writing the
 * plaintext to 'out' of 'out_size' bytes (at least 'len').  Fills in
 * '*info'.  Returns false if the datagram does not start with an Initial
 * packet of a version with known keys that authenticates. */
bool
dpi_quic_open_initial(const uint8_t *data, size_t len, uint8_t *out,
                      size_t out_size, struct dpi_quic_initial *info)
{
    struct dpi_quic_keys keys;
    struct quic_long h;

    memset(info, 0, sizeof *info);
    if (!quic_parse_long(data, len, &h) || !h.size
        || h.type != QUIC_TYPE_INITIAL || out_size < h.size
        || !dpi_quic_initial_keys(h.version, h.dcid, h.dcid_len, &keys)
        || !quic_open(data, &h, &keys, out, &info->payload_len, &info->pn)) {
        return false;
    }
    info->version = h.version;
    info->size = h.size;
    return true;
}

/* --- CRYPTO stream reassembly -------------------------------------------- */

/* The start of the client's CRYPTO stream, as far as received. */
struct quic_crypto {
    uint8_t dcid[DPI_QUIC_MAX_CID]; /* Connection id the keys come from. */
    uint8_t dcid_len;           /* Its length. */
    uint8_t n_ranges;           /* Number of ranges in 'ranges'. */
    struct {
        uint16_t start;         /* First byte received. */
        uint16_t end;           /* One past the last byte received. */
    } ranges[QUIC_CRYPTO_RANGES]; /* Received bytes, sorted, disjoint and
                                   * not adjacent. */
    uint8_t data[QUIC_CRYPTO_MAX]; /* Stream bytes (valid in 'ranges'). */
};

/* Size of the saved state before its data bytes. */
#define QUIC_STATE_HEADER (1 + 1 + DPI_QUIC_MAX_CID + 1 \
                           + 4 * QUIC_CRYPTO_RANGES)

/* Returns the end of the received data (0 if none). */
static size_t
quic_crypto_end(const struct quic_crypto *c)
{
    return c->n_ranges ? c->ranges[c->n_ranges - 1].end : 0;
}

/* Adds the 'len' bytes at 'p', at stream offset 'off', to 'c'.  Bytes
 * beyond QUIC_CRYPTO_MAX are dropped, and so is a piece that would need
 * more than QUIC_CRYPTO_RANGES ranges. */
static void
quic_crypto_add(struct quic_crypto *c, uint64_t off, const uint8_t *p,
                size_t len)
{
    size_t start, end, i, j;

    if (off >= QUIC_CRYPTO_MAX || !len) {
        return;
    }
    start = off;
    end = len > QUIC_CRYPTO_MAX - start ? QUIC_CRYPTO_MAX : start + len;

    /* Find the first range that ends at or after 'start' and the ranges
     * that 'start'..'end' touches: they merge into one. */
    for (i = 0; i < c->n_ranges && c->ranges[i].end < start; i++) {
        continue;
    }
    for (j = i; j < c->n_ranges && c->ranges[j].start <= end; j++) {
        continue;
    }
    if (i == j && c->n_ranges >= QUIC_CRYPTO_RANGES) {
        return;
    }
    memcpy(c->data + start, p, end - start);
    if (i < j) {
        if (c->ranges[i].start < start) {
            start = c->ranges[i].start;
        }
        if (c->ranges[j - 1].end > end) {
            end = c->ranges[j - 1].end;
        }
        memmove(&c->ranges[i + 1], &c->ranges[j],
                (c->n_ranges - j) * sizeof c->ranges[0]);
        c->n_ranges -= j - i - 1;
    } else {
        memmove(&c->ranges[i + 1], &c->ranges[i],
                (c->n_ranges - i) * sizeof c->ranges[0]);
        c->n_ranges++;
    }
    c->ranges[i].start = start;
    c->ranges[i].end = end;
}

/* Returns the number of bytes received from the start of the stream. */
static size_t
quic_crypto_contiguous(const struct quic_crypto *c)
{
    return c->n_ranges && !c->ranges[0].start ? c->ranges[0].end : 0;
}

/* Loads the state saved in 'md' into 'c'.  Returns false, with 'c' empty,
 * if there is none or it is not valid. */
static bool
quic_crypto_load(const struct dpi_md *md, struct quic_crypto *c)
{
    const uint8_t *p;
    size_t len, i, end = 0;

    memset(c, 0, offsetof(struct quic_crypto, data));
    p = (const uint8_t *) dpi_md_get(md, DPI_F__quic_crypto, &len);
    if (!p || len < QUIC_STATE_HEADER || p[0] != QUIC_STATE_FORMAT
        || p[1] > DPI_QUIC_MAX_CID || p[2 + DPI_QUIC_MAX_CID]
        > QUIC_CRYPTO_RANGES) {
        return false;
    }
    c->dcid_len = p[1];
    memcpy(c->dcid, p + 2, DPI_QUIC_MAX_CID);
    c->n_ranges = p[2 + DPI_QUIC_MAX_CID];
    for (i = 0; i < c->n_ranges; i++) {
        const uint8_t *r = p + 3 + DPI_QUIC_MAX_CID + 4 * i;

        c->ranges[i].start = r[0] | r[1] << 8;
        c->ranges[i].end = r[2] | r[3] << 8;
        if (c->ranges[i].start < end || c->ranges[i].end
            <= c->ranges[i].start || c->ranges[i].end > QUIC_CRYPTO_MAX) {
            memset(c, 0, offsetof(struct quic_crypto, data));
            return false;
        }
        end = c->ranges[i].end;
    }
    if (len - QUIC_STATE_HEADER < end) {
        memset(c, 0, offsetof(struct quic_crypto, data));
        return false;
    }
    memcpy(c->data, p + QUIC_STATE_HEADER, end);
    return true;
}

/* Saves 'c' in 'md'.  Returns false if 'md' refused it. */
static bool
quic_crypto_save(struct dpi_md *md, const struct quic_crypto *c)
{
    size_t end = quic_crypto_end(c), i;
    uint8_t *p = malloc(QUIC_STATE_HEADER + end);
    bool ok;

    if (!p) {
        return false;
    }
    memset(p, 0, QUIC_STATE_HEADER);
    p[0] = QUIC_STATE_FORMAT;
    p[1] = c->dcid_len;
    memcpy(p + 2, c->dcid, DPI_QUIC_MAX_CID);
    p[2 + DPI_QUIC_MAX_CID] = c->n_ranges;
    for (i = 0; i < c->n_ranges; i++) {
        uint8_t *r = p + 3 + DPI_QUIC_MAX_CID + 4 * i;

        r[0] = c->ranges[i].start & 0xff;
        r[1] = c->ranges[i].start >> 8;
        r[2] = c->ranges[i].end & 0xff;
        r[3] = c->ranges[i].end >> 8;
    }
    memcpy(p + QUIC_STATE_HEADER, c->data, end);
    ok = dpi_md_set(md, DPI_F__quic_crypto, p, QUIC_STATE_HEADER + end);
    free(p);
    return ok;
}

/* --- Google QUIC CHLO ---------------------------------------------------- */

/* Reads a little-endian number of 'n' bytes at 'p'. */
static uint32_t
quic_get_le(const uint8_t *p, size_t n)
{
    uint32_t v = 0;

    while (n--) {
        v = v << 8 | p[n];
    }
    return v;
}

/* Returns the length of the CHLO handshake message at the start of the
 * 'len' bytes at 'p', if its header and tag table are there and its
 * values would end within 'max' bytes; else 0. */
static size_t
quic_chlo_len(const uint8_t *p, size_t len, size_t max)
{
    size_t n_tags, table_end;

    if (len < 8 || memcmp(p, "CHLO", 4)) {
        return 0;
    }
    n_tags = quic_get_le(p + 4, 2);
    table_end = 8 + 8 * n_tags;
    if (table_end > len || table_end > max) {
        return 0;
    }
    if (!n_tags) {
        return table_end;
    }
    return (quic_get_le(p + table_end - 4, 4) <= max - table_end
            ? table_end + quic_get_le(p + table_end - 4, 4) : 0);
}

/* Reads the tags of the CHLO message of 'len' bytes at 'p' (as measured by
 * quic_chlo_len()): adds SNI to quic_sni and UAID to quic_user_agent.
 * Returns false if the tag table is inconsistent. */
static bool
quic_parse_chlo(const uint8_t *p, size_t len, struct dpi_md *md)
{
    size_t n_tags, base, prev = 0, i;

    if (len < 8 || memcmp(p, "CHLO", 4)) {
        return false;
    }
    n_tags = quic_get_le(p + 4, 2);
    base = 8 + 8 * n_tags;
    if (base > len) {
        return false;
    }
    for (i = 0; i < n_tags; i++) {
        const uint8_t *tag = p + 8 + 8 * i;
        size_t end = quic_get_le(tag + 4, 4);

        if (end < prev || end > len - base) {
            return false;
        }
        if (end > prev && !memcmp(tag, "SNI\0", 4)) {
            dpi_md_add(md, DPI_F_quic_sni, p + base + prev, end - prev);
        } else if (end > prev && !memcmp(tag, "UAID", 4)) {
            dpi_md_add(md, DPI_F_quic_user_agent, p + base + prev,
                       end - prev);
        }
        prev = end;
    }
    return true;
}

/* Finds a clear CHLO in the 'len' bytes at 'p' (a Google QUIC packet up
 * to Q046) and reads its tags into 'md'. */
static void
quic_find_chlo(const uint8_t *p, size_t len, struct dpi_md *md)
{
    size_t i;

    for (i = 0; i + 4 <= len; i++) {
        if (p[i] == 'C' && !memcmp(p + i, "CHLO", 4)) {
            size_t chlo_len = quic_chlo_len(p + i, len - i, len - i);

            if (chlo_len) {
                quic_parse_chlo(p + i, chlo_len, md);
            }
            return;
        }
    }
}

/* --- Frames -------------------------------------------------------------- */

/* Walks the frames of the Initial packet plaintext of 'len' bytes at 'p'
 * and adds its CRYPTO data to 'c'.  'q050' selects Q050's CRYPTO frame
 * type.  Stops at the end or at a frame that cannot be in an Initial
 * packet.  Returns true if it found a CRYPTO frame. */
static bool
quic_read_frames(const uint8_t *p, size_t len, bool q050,
                 struct quic_crypto *c)
{
    uint64_t crypto = q050 ? QUIC_FRAME_CRYPTO_Q050 : QUIC_FRAME_CRYPTO;

    bool found = false;
    size_t pos = 0;

    while (pos < len) {
        uint64_t type, a, b, n, i;

        if (!quic_get_varint(p, len, &pos, &type)) {
            break;
        }
        if (type == QUIC_FRAME_PADDING) {
            /* Padding comes in runs (a client pads its Initial packets to
             * 1200 bytes): skip the whole run, one byte per frame. */
            while (pos < len && !p[pos]) {
                pos++;
            }
        } else if (type == QUIC_FRAME_PING) {
            continue;
        } else if (type == crypto) {
            if (!quic_get_varint(p, len, &pos, &a)
                || !quic_get_varint(p, len, &pos, &b) || b > len - pos) {
                break;
            }
            quic_crypto_add(c, a, p + pos, b);
            pos += b;
            found = true;
        } else if (type == QUIC_FRAME_ACK || type == QUIC_FRAME_ACK_ECN) {
            /* Largest, delay, range count, first range, then count
             * (gap, length) pairs, then three ECN counts. */
            if (!quic_get_varint(p, len, &pos, &a)
                || !quic_get_varint(p, len, &pos, &a)
                || !quic_get_varint(p, len, &pos, &n)
                || !quic_get_varint(p, len, &pos, &a)
                || n > (len - pos) / 2) {
                break;
            }
            n = 2 * n + (type == QUIC_FRAME_ACK_ECN ? 3 : 0);
            for (i = 0; i < n && quic_get_varint(p, len, &pos, &a); i++) {
                continue;
            }
            if (i < n) {
                break;
            }
        } else if (type == QUIC_FRAME_CLOSE || type == QUIC_FRAME_CLOSE_APP) {
            if (!quic_get_varint(p, len, &pos, &a)
                || (type == QUIC_FRAME_CLOSE
                    && !quic_get_varint(p, len, &pos, &a))
                || !quic_get_varint(p, len, &pos, &b) || b > len - pos) {
                break;
            }
            pos += b;
        } else {
            break;
        }
    }
    return found;
}

/* --- The parser ---------------------------------------------------------- */

/* Why a datagram's Initial packets gave no complete ClientHello. */
enum quic_read {
    QUIC_READ_NONE,             /* No Initial packet could be opened. */
    QUIC_READ_PARTIAL,          /* CRYPTO data is still missing. */
    QUIC_READ_DONE,             /* The first message was read. */
};

/* Parses the first message of the CRYPTO stream in 'c' if it is complete
 * (or cannot become more complete), adding its metadata to 'md'.  'chlo'
 * tells whether it is a Google CHLO.  Returns QUIC_READ_DONE or
 * QUIC_READ_PARTIAL. */
static enum quic_read
quic_crypto_finish(const struct quic_crypto *c, bool chlo, struct dpi_md *md)
{
    size_t have = quic_crypto_contiguous(c), need;

    if (chlo || (have >= 4 && !memcmp(c->data, "CHLO", 4))) {
        need = quic_chlo_len(c->data, have, QUIC_CRYPTO_MAX);
        if (!need) {
            /* Either the tag table is still missing, or the message does
             * not fit: give up when nothing more can come. */
            if (have < QUIC_CRYPTO_MAX) {
                return QUIC_READ_PARTIAL;
            }
            return QUIC_READ_DONE;
        }
        if (need > have) {
            return QUIC_READ_PARTIAL;
        }
        quic_parse_chlo(c->data, need, md);
        return QUIC_READ_DONE;
    }
    if (have < 4) {
        return QUIC_READ_PARTIAL;
    }
    need = 4 + quic_get_be(c->data + 1, 3);
    if (need > QUIC_CRYPTO_MAX) {
        /* Too long to keep: read what can be read of it. */
        if (have < QUIC_CRYPTO_MAX) {
            return QUIC_READ_PARTIAL;
        }
        need = have;
    } else if (need > have) {
        return QUIC_READ_PARTIAL;
    }
    if (c->data[0] == 1) {
        dpi_tls_client_hello(c->data, need, true, md);
    }
    return QUIC_READ_DONE;
}

/* Reads the client's Initial packets in the datagram of 'len' bytes at
 * 'data', whose first packet is 'first', into 'c' (which may hold earlier
 * datagrams' bytes) and 'md'. */
static enum quic_read
quic_read_initials(const uint8_t *data, size_t len,
                   const struct quic_long *first, struct quic_crypto *c,
                   bool have_state, struct dpi_md *md)
{
    struct dpi_quic_keys keys, saved_keys;
    bool keys_ok = false, saved_ok = false;
    const uint8_t *keys_dcid = NULL;    /* Connection id of 'keys'. */
    size_t keys_dcid_len = 0;
    enum quic_read result = QUIC_READ_NONE;
    struct quic_version qv;
    size_t pos = 0, n;
    uint8_t *plain;

    quic_version_lookup(first->version, &qv);
    plain = malloc(len);
    if (!plain) {
        return QUIC_READ_NONE;
    }
    if (have_state) {
        saved_ok = dpi_quic_initial_keys(first->version, c->dcid,
                                         c->dcid_len, &saved_keys);
    }
    for (n = 0; n < QUIC_MAX_PACKETS && pos < len; n++) {
        size_t plain_len;
        struct quic_long h;
        uint64_t pn;
        bool opened;

        if (!quic_parse_long(data + pos, len - pos, &h) || !h.size
            || h.version != first->version) {
            break;
        }
        if (h.type != QUIC_TYPE_INITIAL) {
            pos += h.size;
            continue;
        }
        if (!keys_dcid || h.dcid_len != keys_dcid_len
            || memcmp(h.dcid, keys_dcid, h.dcid_len)) {
            keys_ok = dpi_quic_initial_keys(h.version, h.dcid, h.dcid_len,
                                            &keys);
            keys_dcid = h.dcid;
            keys_dcid_len = h.dcid_len;
        }

        /* The keys come from the connection id of the client's first
         * Initial, which later Initials may no longer carry. */
        opened = keys_ok && quic_open(data + pos, &h, &keys, plain,
                                      &plain_len, &pn);
        if (opened && !have_state && !c->n_ranges) {
            c->dcid_len = h.dcid_len;
            memcpy(c->dcid, h.dcid, h.dcid_len);
        } else if (!opened && saved_ok) {
            opened = quic_open(data + pos, &h, &saved_keys, plain,
                               &plain_len, &pn);
        }
        if (opened) {
            quic_read_frames(plain, plain_len, qv.chlo, c);
            result = QUIC_READ_PARTIAL;
        }
        pos += h.size;
    }
    free(plain);
    if (result == QUIC_READ_PARTIAL) {
        result = quic_crypto_finish(c, qv.chlo, md);
    }
    return result;
}

/* Parses a client datagram that starts with a long header 'h'. */
static enum dpi_proto_result
quic_parse_client_long(const uint8_t *data, size_t len,
                       const struct quic_long *h, struct dpi_md *md)
{
    struct quic_crypto *c;
    enum quic_read r;
    bool have_state;

    if (!h->size || h->type != QUIC_TYPE_INITIAL) {
        /* A version we cannot open, or a Handshake packet (the Initial
         * was missed): QUIC all the same.  0-RTT packets come with an
         * Initial, which may be reordered behind them, and a ClientHello
         * still incomplete waits for its end. */
        return (h->type == QUIC_TYPE_0RTT
                || dpi_md_get(md, DPI_F__quic_crypto, NULL)
                ? DPI_PROTO_MORE : DPI_PROTO_YES);
    }
    c = malloc(sizeof *c);
    if (!c) {
        return DPI_PROTO_YES;
    }
    have_state = quic_crypto_load(md, c);
    r = quic_read_initials(data, len, h, c, have_state, md);
    if (r == QUIC_READ_PARTIAL && quic_crypto_save(md, c)) {
        free(c);
        return DPI_PROTO_MORE;
    }
    if (r == QUIC_READ_NONE && have_state) {
        /* Nothing new here (a retransmission, or keys we lack): keep
         * waiting for the rest of the ClientHello. */
        free(c);
        return DPI_PROTO_MORE;
    }
    dpi_md_remove(md, DPI_F__quic_crypto);
    free(c);
    return DPI_PROTO_YES;
}

/* Returns true if the 'len' bytes at 'p' start with a Google QUIC public
 * header (up to Q043) that carries a version "Qddd". */
static bool
quic_is_gquic_public(const uint8_t *p, size_t len)
{
    return (len >= 13 && (p[0] & 0x89) == 0x09 && p[9] == 'Q'
            && p[10] >= '0' && p[10] <= '9' && p[11] >= '0' && p[11] <= '9'
            && p[12] >= '0' && p[12] <= '9');
}

/* Returns true if 'version' is Google QUIC with a clear CHLO in a long
 * header (Q043 to Q049). */
static bool
quic_is_gquic_clear(uint32_t version)
{
    return (version >> 8) == 0x513034 && (version & 0xff) >= '3'
           && (version & 0xff) <= '9';
}

/* The QUIC parser (dpi_proto_func). */
enum dpi_proto_result
dpi_quic_parse(const struct dpi_proto_ctx *ctx, const uint8_t *data,
               size_t len, struct dpi_md *md)
{
    struct quic_long h;

    if (!len) {
        return DPI_PROTO_NO;
    }
    if (!(data[0] & 0x80)) {
        if (quic_is_gquic_public(data, len)) {
            quic_add_version(md, quic_get_be(data + 9, 4));
            if (ctx->to_server) {
                quic_find_chlo(data + 13, len - 13, md);
            }
            return DPI_PROTO_YES;
        }
        /* A short header: nothing in it to check or to read. */
        return (data[0] & 0x40) ? DPI_PROTO_MORE : DPI_PROTO_NO;
    }
    if (len >= 5 && quic_is_gquic_clear(quic_get_be(data + 1, 4))) {
        /* Google's own long header (Q046): a clear CHLO. */
        quic_add_version(md, quic_get_be(data + 1, 4));
        if (ctx->to_server) {
            quic_find_chlo(data + 5, len - 5, md);
        }
        return DPI_PROTO_YES;
    }
    if (!quic_parse_long(data, len, &h)) {
        return DPI_PROTO_NO;
    }
    if (!h.version) {
        /* Version Negotiation, from the server. */
        return ctx->to_server ? DPI_PROTO_NO : DPI_PROTO_YES;
    }
    quic_add_version(md, h.version);
    if (!ctx->to_server) {
        return DPI_PROTO_YES;
    }
    return quic_parse_client_long(data, len, &h, md);
}
