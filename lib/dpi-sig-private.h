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

#ifndef DPI_SIG_PRIVATE_H
#define DPI_SIG_PRIVATE_H 1

/* Signature database internals shared by dpi-sig.c (which builds and
 * queries the database) and dpi-classify.c (which drives the parsers).
 *
 * Every application named by a "protocol" line of the signature file (an
 * L7 protocol, or a service identified by its own payload) gets a "slot",
 * 0 to DPI_SIG_MAX_SLOTS - 1, in order of first appearance in the file; a
 * set of candidates is a struct dpi_slots bitmap, and lower slots are
 * tried first.
 *
 * Thread-safety
 * =============
 *
 * Same as dpi-classify.h: the database is immutable, the scratch belongs
 * to one thread. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dpi-classify.h"

/* Most distinct protocols in one signature file (a multiple of 64). */
#define DPI_SIG_MAX_SLOTS 256

/* A set of slots. */
struct dpi_slots {
    uint64_t w[DPI_SIG_MAX_SLOTS / 64]; /* Bit 'i % 64' of 'w[i / 64]' is
                                         * slot 'i'. */
};

/* Adds 'slot' to 's'. */
static inline void
dpi_slots_add(struct dpi_slots *s, unsigned int slot)
{
    s->w[slot / 64] |= UINT64_C(1) << (slot % 64);
}

/* Removes 'slot' from 's'. */
static inline void
dpi_slots_del(struct dpi_slots *s, unsigned int slot)
{
    s->w[slot / 64] &= ~(UINT64_C(1) << (slot % 64));
}

/* Returns true if 's' holds 'slot'. */
static inline bool
dpi_slots_has(const struct dpi_slots *s, unsigned int slot)
{
    return (s->w[slot / 64] >> (slot % 64)) & 1;
}

/* Adds every slot of 'b' to 'a'. */
static inline void
dpi_slots_or(struct dpi_slots *a, const struct dpi_slots *b)
{
    size_t i;

    for (i = 0; i < DPI_SIG_MAX_SLOTS / 64; i++) {
        a->w[i] |= b->w[i];
    }
}

/* Removes every slot of 'b' from 'a'. */
static inline void
dpi_slots_andnot(struct dpi_slots *a, const struct dpi_slots *b)
{
    size_t i;

    for (i = 0; i < DPI_SIG_MAX_SLOTS / 64; i++) {
        a->w[i] &= ~b->w[i];
    }
}

/* Returns the lowest slot in 's', or -1 if 's' is empty. */
static inline int
dpi_slots_first(const struct dpi_slots *s)
{
    size_t i;

    for (i = 0; i < DPI_SIG_MAX_SLOTS / 64; i++) {
        if (s->w[i]) {
            return (int) (i * 64 + (size_t) __builtin_ctzll(s->w[i]));
        }
    }
    return -1;
}

/* Payload patterns see at most this many bytes at the start of each
 * direction (or of each datagram). */
#define DPI_SIG_SCAN_MAX 1024

size_t dpi_sig_n_slots(const struct dpi_sigdb *);
uint16_t dpi_sig_slot_app(const struct dpi_sigdb *, unsigned int slot);
int dpi_sig_app_slot(const struct dpi_sigdb *, uint16_t app);
void dpi_sig_match_payload(const struct dpi_sigdb *,
                           struct dpi_sig_scratch *, uint8_t l4_proto,
                           const uint8_t *data, size_t len,
                           struct dpi_slots *);
void dpi_sig_match_ports(const struct dpi_sigdb *, uint8_t l4_proto,
                         uint16_t port_a, uint16_t port_b,
                         struct dpi_slots *);
uint16_t dpi_sig_guess(const struct dpi_sigdb *, uint8_t l4_proto,
                       uint16_t client_port, uint16_t server_port);
uint16_t dpi_sig_match_host(const struct dpi_sigdb *,
                            struct dpi_sig_scratch *, const char *host);
uint16_t dpi_sig_match_addr(const struct dpi_sigdb *,
                            const struct dpi_addr *);

bool dpi_sig_fixed_sample(const char *expr, bool caseless, uint32_t *seed,
                          uint8_t *buf, size_t size, size_t *len);

/* Implemented in dpi-classify.c: whether libdpi has a parser for
 * protocol 'app'. */
bool dpi_classify_has_parser(uint16_t app);

#endif /* dpi-sig-private.h */
