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

/* Cryptographic helpers: see dpi-crypto.h. */

#include "dpi-crypto.h"

#include <pthread.h>
#include <string.h>

/* Block size of SHA-256, for HMAC (RFC 2104). */
#define DPI_CRYPTO_SHA256_BLOCK 64

/* The algorithms, fetched once by dpi_crypto_fetch().  Where a fetch
 * fails, the built-in object (which fetches at each use) is kept, so the
 * results are the same either way. */
static const EVP_MD *dpi_crypto_md_sha256;
static const EVP_CIPHER *dpi_crypto_aes_ecb;
static const EVP_CIPHER *dpi_crypto_aes_gcm;

/* Guards the one run of dpi_crypto_fetch(). */
static pthread_once_t dpi_crypto_once = PTHREAD_ONCE_INIT;

/* Fetches the algorithms from OpenSSL's default library context.  They are
 * kept for the life of the process. */
static void
dpi_crypto_fetch(void)
{
    EVP_MD *md = EVP_MD_fetch(NULL, "SHA256", NULL);
    EVP_CIPHER *ecb = EVP_CIPHER_fetch(NULL, "AES-128-ECB", NULL);
    EVP_CIPHER *gcm = EVP_CIPHER_fetch(NULL, "AES-128-GCM", NULL);

    dpi_crypto_md_sha256 = md ? md : EVP_sha256();
    dpi_crypto_aes_ecb = ecb ? ecb : EVP_aes_128_ecb();
    dpi_crypto_aes_gcm = gcm ? gcm : EVP_aes_128_gcm();
}

/* Returns SHA-256, fetched once. */
const EVP_MD *
dpi_crypto_sha256(void)
{
    pthread_once(&dpi_crypto_once, dpi_crypto_fetch);
    return dpi_crypto_md_sha256;
}

/* Returns AES-128 in ECB mode, fetched once. */
const EVP_CIPHER *
dpi_crypto_aes_128_ecb(void)
{
    pthread_once(&dpi_crypto_once, dpi_crypto_fetch);
    return dpi_crypto_aes_ecb;
}

/* Returns AES-128 in GCM mode, fetched once. */
const EVP_CIPHER *
dpi_crypto_aes_128_gcm(void)
{
    pthread_once(&dpi_crypto_once, dpi_crypto_fetch);
    return dpi_crypto_aes_gcm;
}

/* Hashes the 'n' byte strings of 'parts' (with lengths 'lens'), one after
 * the other, with SHA-256 into 'out', using 'ctx' (reset first).  Returns
 * false if libcrypto fails. */
static bool
dpi_crypto_sha256_parts(EVP_MD_CTX *ctx, const void *const parts[],
                        const size_t lens[], size_t n,
                        uint8_t out[DPI_CRYPTO_SHA256_LEN])
{
    unsigned int out_len = 0;
    bool ok;

    ok = EVP_DigestInit_ex(ctx, dpi_crypto_sha256(), NULL) == 1;
    for (size_t i = 0; ok && i < n; i++) {
        ok = EVP_DigestUpdate(ctx, parts[i], lens[i]) == 1;
    }
    return (ok && EVP_DigestFinal_ex(ctx, out, &out_len) == 1
            && out_len == DPI_CRYPTO_SHA256_LEN);
}

/* Writes HMAC-SHA256 (RFC 2104) of the 'len' bytes at 'data' under the
 * 'key_len' bytes of 'key' into 'out'.  Returns false if libcrypto
 * fails. */
bool
dpi_crypto_hmac_sha256(const uint8_t *key, size_t key_len,
                       const uint8_t *data, size_t len,
                       uint8_t out[DPI_CRYPTO_SHA256_LEN])
{
    uint8_t k[DPI_CRYPTO_SHA256_BLOCK], pad[DPI_CRYPTO_SHA256_BLOCK];
    uint8_t inner[DPI_CRYPTO_SHA256_LEN];
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    const void *parts[2];
    size_t lens[2];
    bool ok = true;

    if (!ctx) {
        return false;
    }

    /* The key, hashed first if longer than a block, padded with zeros. */
    memset(k, 0, sizeof k);
    if (key_len > sizeof k) {
        parts[0] = key;
        lens[0] = key_len;
        ok = dpi_crypto_sha256_parts(ctx, parts, lens, 1, k);
    } else if (key_len) {
        memcpy(k, key, key_len);
    }

    /* inner = H((K ^ ipad) || data); out = H((K ^ opad) || inner). */
    for (size_t i = 0; i < sizeof pad; i++) {
        pad[i] = k[i] ^ 0x36;
    }
    parts[0] = pad;
    lens[0] = sizeof pad;
    parts[1] = data;
    lens[1] = len;
    ok = ok && dpi_crypto_sha256_parts(ctx, parts, lens, 2, inner);
    if (ok) {
        for (size_t i = 0; i < sizeof pad; i++) {
            pad[i] = k[i] ^ 0x5c;
        }
        parts[1] = inner;
        lens[1] = sizeof inner;
        ok = dpi_crypto_sha256_parts(ctx, parts, lens, 2, out);
    }
    EVP_MD_CTX_free(ctx);
    return ok;
}
