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

#ifndef DPI_CRYPTO_H
#define DPI_CRYPTO_H 1

/* Cryptographic helpers of the parsers (internal to libdpi).
 *
 * OpenSSL 3 looks an algorithm up by name ("fetches" it) every time
 * EVP_sha256(), EVP_aes_128_gcm() or the one-shot HMAC() is used to set up
 * an operation, which takes a lock and costs more than hashing a short
 * string.  The parsers need the same three algorithms for every TLS
 * ClientHello (JA4) and every QUIC Initial packet, so this module fetches
 * each once per process and keeps it.
 *
 * Thread-safety
 * =============
 *
 * Every function may be called from any thread. */

#include <openssl/evp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes of a SHA-256 digest. */
#define DPI_CRYPTO_SHA256_LEN 32

const EVP_MD *dpi_crypto_sha256(void);
const EVP_CIPHER *dpi_crypto_aes_128_ecb(void);
const EVP_CIPHER *dpi_crypto_aes_128_gcm(void);

bool dpi_crypto_hmac_sha256(const uint8_t *key, size_t key_len,
                            const uint8_t *data, size_t len,
                            uint8_t out[DPI_CRYPTO_SHA256_LEN]);

#endif /* dpi-crypto.h */
