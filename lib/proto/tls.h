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

#ifndef DPI_PROTO_TLS_H
#define DPI_PROTO_TLS_H 1

/* Internal interface of lib/proto/tls.c for the other parsers that carry a
 * TLS handshake (DTLS in lib/proto/dtls.c). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dpi-proto.h"

/* What carries a ClientHello: it decides the fields written and the first
 * character of the JA4 fingerprint. */
enum dpi_tls_kind {
    DPI_TLS_KIND_TLS,           /* TLS over TCP ("t"). */
    DPI_TLS_KIND_QUIC,          /* QUIC CRYPTO frames ("q"). */
    DPI_TLS_KIND_DTLS,          /* DTLS records ("d"). */
};

/* Parses the body of a ClientHello (the bytes after its handshake header),
 * 'body_len' bytes long by that header, of which the first 'avail' are at
 * 'body'.  A DTLS ClientHello has a cookie after its session id.  Adds the
 * server name, the ALPN protocols and, once the whole body has been read,
 * the JA4 fingerprint to 'md'.  Returns DPI_PROTO_YES if the whole body
 * parsed, DPI_PROTO_MORE if it was consistent as far as 'avail' went, else
 * DPI_PROTO_NO. */
enum dpi_proto_result dpi_tls_hello_body(const uint8_t *body, size_t avail,
                                         size_t body_len,
                                         enum dpi_tls_kind kind,
                                         struct dpi_md *md);

/* Formats the JA4 fingerprint of a ClientHello into 'out' (which must hold
 * DPI_TLS_JA4_LEN + 1 bytes) from its parts: 'ciphers', 'exts' and
 * 'sigalgs' in their ClientHello order without GREASE values, 'version' the
 * highest version offered, 'alpn' the first ALPN value ('alpn_len' bytes,
 * NULL if none).  Returns false if the hash cannot be computed. */
#define DPI_TLS_JA4_LEN 36
bool dpi_tls_ja4(enum dpi_tls_kind kind, uint16_t version, bool has_sni,
                 const uint16_t *ciphers, size_t n_ciphers,
                 const uint16_t *exts, size_t n_exts,
                 const uint16_t *sigalgs, size_t n_sigalgs,
                 const uint8_t *alpn, size_t alpn_len, char *out);

#endif /* proto/tls.h */
