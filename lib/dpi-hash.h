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

/* Hash helpers shared by libdpi's tables (libdpi internal). */

#include <stdint.h>

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

#endif /* dpi-hash.h */
