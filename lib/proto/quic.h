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

#ifndef DPI_PROTO_QUIC_H
#define DPI_PROTO_QUIC_H 1

/* Internals of the QUIC parser (lib/proto/quic.c) that its unit tests
 * check against the published test vectors (RFC 9001 and RFC 9369,
 * Appendix A).  The engine only calls dpi_quic_parse() (dpi-proto.h).
 *
 * All functions are pure and may run on any thread. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest connection id a QUIC version 1 or 2 packet may carry. */
#define DPI_QUIC_MAX_CID 20

/* Initial packet protection keys of the client (RFC 9001, 5.2). */
struct dpi_quic_keys {
    uint8_t secret[32];         /* client_initial_secret. */
    uint8_t key[16];            /* AEAD_AES_128_GCM key. */
    uint8_t iv[12];             /* AEAD nonce base. */
    uint8_t hp[16];             /* AES-128 header protection key. */
};

bool dpi_quic_initial_keys(uint32_t version, const uint8_t *dcid,
                           size_t dcid_len, struct dpi_quic_keys *);

/* The client Initial packet at the start of a datagram, once opened. */
struct dpi_quic_initial {
    uint32_t version;           /* Version field. */
    uint64_t pn;                /* Packet number (as sent, truncated). */
    size_t size;                /* Bytes of the packet in the datagram. */
    size_t payload_len;         /* Plaintext bytes written to 'out'. */
};

bool dpi_quic_open_initial(const uint8_t *data, size_t len, uint8_t *out,
                           size_t out_size, struct dpi_quic_initial *);

#endif /* proto/quic.h */
