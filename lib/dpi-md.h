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


#ifndef DPI_MD_H
#define DPI_MD_H 1

/* Connection metadata.
 *
 * What the parsers extract (HTTP host, TLS server name, ...) and what the
 * engine computes (round-trip times, jitter) is stored per connection in a
 * struct dpi_md: a compact list of records, each a field id (from
 * dpi-fields.def) and a value, allocated only when the first record is
 * added and grown in the small steps malloc serves without waste (see
 * dpi-md.c).  A connection without metadata costs only its buffer
 * pointer and length (the connection table keeps those two and the
 * engine's budget stands for every connection's 'max': see
 * dpi_conn_md_load()).
 *
 * A text (STR) field may hold several values, kept in the order they were
 * added, without duplicates: all the URIs requested on a keep-alive HTTP
 * connection, say.  Values are bytes as found on the wire, not necessarily
 * NUL-terminated in the packet, but stored with a terminating NUL.  Numeric
 * fields (U32, U64) hold one value.
 *
 * Every md has a byte budget, 'max': an addition that would take it
 * beyond the budget is refused (the value is dropped), so no packet can
 * make a connection's metadata grow without bound.  A value is also cut
 * at DPI_MD_VALUE_MAX bytes.
 *
 * Thread-safety
 * =============
 *
 * A struct dpi_md belongs to one connection; the engine serialises all
 * access to it with the connection's lock.  The field registry functions
 * may be called from any thread. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Field identifiers, generated from dpi-fields.def. */
enum dpi_field {
#define DPI_FIELD(ID, NAME, TYPE, DESCRIPTION) DPI_F_##NAME = ID,
#include "dpi-fields.def"
#undef DPI_FIELD
};

/* Value types of fields. */
enum dpi_field_type {
    DPI_FT_STR,                 /* Text, one or more values. */
    DPI_FT_U32,                 /* One 32-bit number. */
    DPI_FT_U64,                 /* One 64-bit number. */
};

/* The longest value stored; longer ones are cut. */
#define DPI_MD_VALUE_MAX 4096

/* Metadata of a connection. */
struct dpi_md {
    uint8_t *buf;               /* Records, or NULL if none. */
    uint32_t len;               /* Bytes of records at 'buf'. */
    uint32_t max;               /* Budget: 'len' never exceeds it. */
};

/* Registry of fields. */
const char *dpi_field_name(enum dpi_field);
const char *dpi_field_description(enum dpi_field);
enum dpi_field_type dpi_field_type(enum dpi_field);
bool dpi_field_is_valid(unsigned int id);
bool dpi_field_is_hidden(enum dpi_field);
bool dpi_field_from_name(const char *name, enum dpi_field *);
unsigned int dpi_field_next(unsigned int id);

/* Life cycle. */
void dpi_md_init(struct dpi_md *, uint32_t max);
void dpi_md_destroy(struct dpi_md *);
size_t dpi_md_allocated(const struct dpi_md *);

/* Text fields. */
bool dpi_md_add(struct dpi_md *, enum dpi_field, const void *value,
                size_t len);
bool dpi_md_add_cstr(struct dpi_md *, enum dpi_field, const char *value);
bool dpi_md_set(struct dpi_md *, enum dpi_field, const void *value,
                size_t len);
const char *dpi_md_get(const struct dpi_md *, enum dpi_field,
                       size_t *lenp);
size_t dpi_md_count(const struct dpi_md *, enum dpi_field);

/* Numeric fields. */
bool dpi_md_set_u64(struct dpi_md *, enum dpi_field, uint64_t value);
bool dpi_md_get_u64(const struct dpi_md *, enum dpi_field, uint64_t *);
void dpi_md_remove(struct dpi_md *, enum dpi_field);

/* Iteration over all records, in the order they were added:
 *
 *     uint32_t pos = 0;
 *     struct dpi_md_value v;
 *
 *     while (dpi_md_next(md, &pos, &v)) {
 *         ...
 *     }
 */
struct dpi_md_value {
    enum dpi_field field;       /* Field. */
    const char *str;            /* DPI_FT_STR: value, NUL-terminated. */
    size_t len;                 /* DPI_FT_STR: length of 'str'. */
    uint64_t num;               /* DPI_FT_U32, DPI_FT_U64: value. */
};

bool dpi_md_next(const struct dpi_md *, uint32_t *pos,
                 struct dpi_md_value *);

#ifdef __cplusplus
}
#endif

#endif /* dpi-md.h */
