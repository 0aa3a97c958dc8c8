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

#ifndef DPI_HASH_H
#define DPI_HASH_H 1

/* Helpers shared by libdpi's tables (libdpi internal): hashes, and the
 * expiry time of an entry. */

#include <stdint.h>
#include <string.h>

/* Returns 'h' with every bit mixed into every other (MurmurHash3's 32-bit
 * finaliser), so that both its low bits (a bucket index) and its high bits
 * depend on all of the input.  Thread-safe: a pure function. */
static inline uint32_t
dpi_hash_fmix32(uint32_t h)
{
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    return h ^ (h >> 16);
}

/* Returns 'h' with every bit mixed into every other (MurmurHash3's 64-bit
 * finaliser), as dpi_hash_fmix32() does for 32 bits.  Thread-safe: a pure
 * function. */
static inline uint64_t
dpi_hash_fmix64(uint64_t h)
{
    h ^= h >> 33;
    h *= UINT64_C(0xff51afd7ed558ccd);
    h ^= h >> 33;
    h *= UINT64_C(0xc4ceb9fe1a85ec53);
    return h ^ (h >> 33);
}

/* Returns a hash of the 16-byte address 'addr' (IPv4 addresses being
 * IPv4-mapped, so that their first 12 bytes are the same) and 'extra',
 * under 'seed', in which every bit of the address and of 'extra' reaches
 * every bit of the result.  Thread-safe: a pure function. */
static inline uint64_t
dpi_hash_addr(const uint8_t addr[16], uint64_t extra, uint64_t seed)
{
    uint64_t a, b;

    memcpy(&a, addr, 8);
    memcpy(&b, addr + 8, 8);
    return dpi_hash_fmix64(dpi_hash_fmix64(a ^ seed) ^ b ^ (extra << 1));
}

/* Returns the time 'delta_ms' after 'now_ms', or UINT64_MAX if that does
 * not fit: an entry never expires early because a sum wrapped around.
 * Thread-safe: a pure function. */
static inline uint64_t
dpi_expiry(uint64_t now_ms, uint64_t delta_ms)
{
    return delta_ms < UINT64_MAX - now_ms ? now_ms + delta_ms : UINT64_MAX;
}

#endif /* dpi-hash.h */
