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


/* Connection metadata: see dpi-md.h.
 *
 * Record layout
 * =============
 *
 * A record is the field id (1 byte), the value's length L, the L bytes of
 * the value and a NUL byte.  L takes 1 byte if it is below 255 (most
 * values), otherwise a 255 byte and 2 bytes little endian.  Numeric values
 * are 8 bytes in host order, or 4 when the value fits in 32 bits.  Records
 * follow one another in the order they were added.  (Only text values
 * need the NUL, but a record's size that does not depend on its field's
 * type keeps the walk through the records, which the engine does on many
 * packets, to the record's own bytes.)
 *
 * The buffer holds dpi_md_alloc_size(len) bytes: it grows when a record
 * is added and shrinks when one is removed or gets shorter, so its size
 * need not be stored.  (Shrinking matters: a parser may keep kilobytes of
 * working state in a record while it waits for the rest of a message and
 * remove it once done, and the connection may live on for minutes.  If
 * realloc() cannot shrink a buffer, it stays larger than that.)  The
 * sizes are those malloc serves without rounding:
 * glibc on 64-bit hosts hands out chunks in steps of 16 bytes with an
 * 8-byte header, so requests of 24 + 16k bytes fill their chunks exactly.
 * Most connections add a handful of records while they are inspected and
 * none afterwards, so growing in these small steps (a realloc() about every
 * second record) costs little and leaves no slack in the many connections
 * that outlive their inspection. */

#include "dpi-md.h"

#include <stdlib.h>
#include <string.h>

/* Smallest allocation for records, and the step by which it grows. */
#define DPI_MD_MIN_ALLOC 24
#define DPI_MD_ALLOC_STEP 16

/* Largest value length of a record with a 1-byte length. */
#define DPI_MD_SHORT_MAX 254

_Static_assert(DPI_MD_VALUE_MAX <= 0xffff,
               "a record's long form keeps its length in 2 bytes");

/* A field of the registry. */
struct dpi_field_info {
    const char *name;           /* Name, or NULL if the id is unused. */
    const char *description;    /* What it holds. */
    enum dpi_field_type type;   /* Value type. */
};

/* The registry, indexed by id. */
static const struct dpi_field_info dpi_fields[256] = {
#define DPI_FIELD(ID, NAME, TYPE, DESCRIPTION) \
    [ID] = { #NAME, DESCRIPTION, DPI_FT_##TYPE },
#include "dpi-fields.def"
#undef DPI_FIELD
};

/* Returns the name of field 'f', or NULL if 'f' is not a field. */
const char *
dpi_field_name(enum dpi_field f)
{
    return (unsigned int) f < 256 ? dpi_fields[f].name : NULL;
}

/* Returns the description of field 'f', or NULL if 'f' is not a field. */
const char *
dpi_field_description(enum dpi_field f)
{
    return (unsigned int) f < 256 ? dpi_fields[f].description : NULL;
}

/* Returns the value type of field 'f' (DPI_FT_STR if 'f' is not a
 * field). */
enum dpi_field_type
dpi_field_type(enum dpi_field f)
{
    return (unsigned int) f < 256 ? dpi_fields[f].type : DPI_FT_STR;
}

/* Returns true if 'id' is a field of the registry. */
bool
dpi_field_is_valid(unsigned int id)
{
    return id < 256 && dpi_fields[id].name;
}

/* Returns true if field 'f' is libdpi's working state, never printed. */
bool
dpi_field_is_hidden(enum dpi_field f)
{
    return !dpi_field_is_valid(f) || dpi_fields[f].name[0] == '_';
}

/* Looks up the field called 'name'.  Returns true and sets '*f' if there
 * is one. */
bool
dpi_field_from_name(const char *name, enum dpi_field *f)
{
    unsigned int id;

    for (id = 0; id < 256; id++) {
        if (dpi_fields[id].name && !strcmp(dpi_fields[id].name, name)) {
            *f = (enum dpi_field) id;
            return true;
        }
    }
    return false;
}

/* Returns the id of the first field after 'id' in the order of
 * dpi-fields.def (which is the order of ids), or 0 after the last one.
 * dpi_field_next(0) is the first field. */
unsigned int
dpi_field_next(unsigned int id)
{
    for (id++; id < 256; id++) {
        if (dpi_fields[id].name) {
            return id;
        }
    }
    return 0;
}

/* Initialises 'md' as empty, with a budget of 'max' bytes of records. */
void
dpi_md_init(struct dpi_md *md, uint32_t max)
{
    md->buf = NULL;
    md->len = 0;
    md->max = max;
}

/* Frees the records of 'md', which is left empty (with the same
 * budget). */
void
dpi_md_destroy(struct dpi_md *md)
{
    free(md->buf);
    md->buf = NULL;
    md->len = 0;
}

/* Returns the allocation size that holds 'len' bytes of records. */
static size_t
dpi_md_alloc_size(uint32_t len)
{
    if (!len) {
        return 0;
    } else if (len <= DPI_MD_MIN_ALLOC) {
        return DPI_MD_MIN_ALLOC;
    } else {
        size_t extra = len - DPI_MD_MIN_ALLOC + DPI_MD_ALLOC_STEP - 1;

        return DPI_MD_MIN_ALLOC + extra / DPI_MD_ALLOC_STEP
                                  * DPI_MD_ALLOC_STEP;
    }
}

/* Returns the bytes allocated for the records of 'md' (for memory
 * accounting). */
size_t
dpi_md_allocated(const struct dpi_md *md)
{
    return md->buf ? dpi_md_alloc_size(md->len) : 0;
}

/* Returns the size of the header of the record at 'p': where its value
 * starts. */
static uint32_t
dpi_md_rec_hdr(const uint8_t *p)
{
    return p[1] <= DPI_MD_SHORT_MAX ? 2 : 4;
}

/* Returns the length of the value of the record at 'p'. */
static uint32_t
dpi_md_rec_len(const uint8_t *p)
{
    return p[1] <= DPI_MD_SHORT_MAX ? p[1] : p[2] | (uint32_t) p[3] << 8;
}

/* Returns the size of a record whose value is 'len' bytes. */
static uint32_t
dpi_md_rec_size_for(uint32_t len)
{
    return (len <= DPI_MD_SHORT_MAX ? 2 : 4) + len + 1;
}

/* Returns the size of the whole record at 'p'. */
static uint32_t
dpi_md_rec_size(const uint8_t *p)
{
    return dpi_md_rec_size_for(dpi_md_rec_len(p));
}

/* Returns the offset of the first record of field 'f' at or after 'pos',
 * or UINT32_MAX. */
static uint32_t
dpi_md_find(const struct dpi_md *md, enum dpi_field f, uint32_t pos)
{
    while (pos < md->len) {
        if (md->buf[pos] == f) {
            return pos;
        }
        pos += dpi_md_rec_size(md->buf + pos);
    }
    return UINT32_MAX;
}

/* Makes the buffer of 'md' hold at least 'new_len' bytes of records
 * (growing it to dpi_md_alloc_size(new_len) if that is more than it has).
 * Returns false, leaving the buffer as it was, if memory is short. */
static bool
dpi_md_reserve(struct dpi_md *md, uint32_t new_len)
{
    uint8_t *buf;

    if (md->buf && dpi_md_alloc_size(new_len) <= dpi_md_alloc_size(md->len)) {
        return true;
    }
    buf = realloc(md->buf, dpi_md_alloc_size(new_len));
    if (!buf) {
        return false;
    }
    md->buf = buf;
    return true;
}

/* Writes at 'p' the record of field 'f' with the 'len' bytes at
 * 'value' (dpi_md_rec_size_for('len') bytes). */
static void
dpi_md_write_rec(uint8_t *p, enum dpi_field f, const void *value,
                 size_t len)
{
    p[0] = (uint8_t) f;
    if (len <= DPI_MD_SHORT_MAX) {
        p[1] = (uint8_t) len;
        p += 2;
    } else {
        p[1] = DPI_MD_SHORT_MAX + 1;
        p[2] = (uint8_t) (len & 0xff);
        p[3] = (uint8_t) (len >> 8);
        p += 4;
    }
    if (len) {
        memcpy(p, value, len);
    }
    p[len] = '\0';
}

/* Appends a record of field 'f' with the 'len' bytes at 'value'.  Returns
 * false if the budget or memory does not allow it. */
static bool
dpi_md_append(struct dpi_md *md, enum dpi_field f, const void *value,
              size_t len)
{
    uint32_t new_len;

    if (len > DPI_MD_VALUE_MAX) {
        len = DPI_MD_VALUE_MAX;
    }
    new_len = md->len + dpi_md_rec_size_for(len);
    if (new_len > md->max || !dpi_md_reserve(md, new_len)) {
        return false;
    }
    dpi_md_write_rec(md->buf + md->len, f, value, len);
    md->len = new_len;
    return true;
}

/* Removes the record at offset 'pos', leaving the buffer as large as it
 * was (see dpi_md_fit()). */
static void
dpi_md_remove_at(struct dpi_md *md, uint32_t pos)
{
    uint32_t size = dpi_md_rec_size(md->buf + pos);

    memmove(md->buf + pos, md->buf + pos + size, md->len - pos - size);
    md->len -= size;
    if (!md->len) {
        dpi_md_destroy(md);
    }
}

/* Removes every value of field 'f', leaving the buffer as large as it
 * was. */
static void
dpi_md_remove__(struct dpi_md *md, enum dpi_field f)
{
    uint32_t pos;

    while ((pos = dpi_md_find(md, f, 0)) != UINT32_MAX) {
        dpi_md_remove_at(md, pos);
    }
}

/* Shrinks the buffer of 'md', which holds at most
 * dpi_md_alloc_size('old_len') bytes, to dpi_md_alloc_size(md->len) if
 * that is smaller.  (The buffer may already have that size, if it was
 * resized since it held 'old_len' bytes of records: then the realloc()
 * costs a call and changes nothing.) */
static void
dpi_md_fit(struct dpi_md *md, uint32_t old_len)
{
    if (md->buf && dpi_md_alloc_size(md->len) < dpi_md_alloc_size(old_len)) {
        uint8_t *buf = realloc(md->buf, dpi_md_alloc_size(md->len));

        if (buf) {
            md->buf = buf;
        }
    }
}

/* Adds the value of 'len' bytes at 'value' to text field 'f', unless 'f'
 * already has that value (values longer than DPI_MD_VALUE_MAX are compared
 * after cutting).  Returns true if 'f' has the value afterwards. */
bool
dpi_md_add(struct dpi_md *md, enum dpi_field f, const void *value,
           size_t len)
{
    uint32_t pos;

    if (len > DPI_MD_VALUE_MAX) {
        len = DPI_MD_VALUE_MAX;
    }
    for (pos = dpi_md_find(md, f, 0); pos != UINT32_MAX;
         pos = dpi_md_find(md, f, pos + dpi_md_rec_size(md->buf + pos))) {
        if (dpi_md_rec_len(md->buf + pos) == len
            && !memcmp(md->buf + pos + dpi_md_rec_hdr(md->buf + pos),
                       value, len)) {
            return true;
        }
    }
    return dpi_md_append(md, f, value, len);
}

/* Same as dpi_md_add() for the NUL-terminated string 'value'. */
bool
dpi_md_add_cstr(struct dpi_md *md, enum dpi_field f, const char *value)
{
    return dpi_md_add(md, f, value, strlen(value));
}

/* Makes the 'len' bytes at 'value' the only value of text field 'f'.
 * Returns true if it was stored.  The record goes last. */
bool
dpi_md_set(struct dpi_md *md, enum dpi_field f, const void *value,
           size_t len)
{
    uint32_t old_len = md->len;
    uint32_t pos = dpi_md_find(md, f, 0);
    bool ok;

    if (pos != UINT32_MAX && dpi_md_rec_len(md->buf + pos) == len
        && pos + dpi_md_rec_size_for(len) == md->len) {
        /* The only value of 'f', of the same length, and already last
         * (state that a parser rewrites on every packet): overwrite it. */
        memmove(md->buf + pos + dpi_md_rec_hdr(md->buf + pos), value, len);
        return true;
    }

    /* Shrinks once the new value is in, not in between (but the removal
     * of the only record frees the buffer). */
    dpi_md_remove__(md, f);
    ok = dpi_md_append(md, f, value, len);
    dpi_md_fit(md, old_len);
    return ok;
}

/* Returns the first value of text field 'f' (NUL-terminated) and stores
 * its length in '*lenp' if 'lenp' is nonnull; returns NULL if 'f' has no
 * value. */
const char *
dpi_md_get(const struct dpi_md *md, enum dpi_field f, size_t *lenp)
{
    uint32_t pos = dpi_md_find(md, f, 0);

    if (pos == UINT32_MAX) {
        return NULL;
    }
    if (lenp) {
        *lenp = dpi_md_rec_len(md->buf + pos);
    }
    return (const char *) md->buf + pos + dpi_md_rec_hdr(md->buf + pos);
}

/* Returns the number of values of field 'f'. */
size_t
dpi_md_count(const struct dpi_md *md, enum dpi_field f)
{
    size_t n = 0;
    uint32_t pos;

    for (pos = dpi_md_find(md, f, 0); pos != UINT32_MAX;
         pos = dpi_md_find(md, f, pos + dpi_md_rec_size(md->buf + pos))) {
        n++;
    }
    return n;
}

/* Sets numeric field 'f' to 'value'.  Returns true if it was stored.  If
 * the value needs the longer form and the budget (or memory) has no room
 * for it, 'f' keeps its old value.  A record that changes form keeps its
 * place among the others. */
bool
dpi_md_set_u64(struct dpi_md *md, enum dpi_field f, uint64_t value)
{
    uint32_t pos = dpi_md_find(md, f, 0);
    uint32_t value32 = value;
    const void *p = &value32;
    size_t len = sizeof value32;

    if (value > UINT32_MAX) {
        p = &value;
        len = sizeof value;
    }
    if (pos != UINT32_MAX) {
        uint32_t old_size = dpi_md_rec_size(md->buf + pos);
        uint32_t new_size = dpi_md_rec_size_for(len);
        uint32_t new_len = md->len - old_size + new_size;
        uint32_t tail = pos + old_size;
        uint32_t old_len = md->len;

        if (old_size != new_size) {
            /* The record changes form: resize it where it is (or keep
             * the old value if the budget or memory does not allow). */
            if (new_len > md->max || !dpi_md_reserve(md, new_len)) {
                return false;
            }
            memmove(md->buf + pos + new_size, md->buf + tail,
                    md->len - tail);
            md->len = new_len;
            dpi_md_fit(md, old_len);
        }
        dpi_md_write_rec(md->buf + pos, f, p, len);
        return true;
    }
    return dpi_md_append(md, f, p, len);
}

/* Reads the numeric value of 'len' bytes at 'p' (4 or 8) into '*value'.
 * Returns false if 'len' is neither. */
static bool
dpi_md_read_num(const uint8_t *p, uint32_t len, uint64_t *value)
{
    uint32_t value32;

    if (len == sizeof value32) {
        memcpy(&value32, p, sizeof value32);
        *value = value32;
        return true;
    } else if (len == sizeof *value) {
        memcpy(value, p, sizeof *value);
        return true;
    }
    return false;
}

/* Reads numeric field 'f' into '*value'.  Returns false (and leaves
 * '*value' alone) if 'f' is not set. */
bool
dpi_md_get_u64(const struct dpi_md *md, enum dpi_field f, uint64_t *value)
{
    uint32_t pos = dpi_md_find(md, f, 0);
    const uint8_t *p;

    if (pos == UINT32_MAX) {
        return false;
    }
    p = md->buf + pos;
    return dpi_md_read_num(p + dpi_md_rec_hdr(p), dpi_md_rec_len(p), value);
}

/* Removes every value of field 'f'. */
void
dpi_md_remove(struct dpi_md *md, enum dpi_field f)
{
    uint32_t old_len = md->len;

    dpi_md_remove__(md, f);
    dpi_md_fit(md, old_len);
}

/* Reads the record at '*pos' into '*v' and advances '*pos'.  Returns false
 * after the last record.  Start with '*pos' = 0. */
bool
dpi_md_next(const struct dpi_md *md, uint32_t *pos, struct dpi_md_value *v)
{
    const uint8_t *p;

    if (*pos >= md->len) {
        return false;
    }
    p = md->buf + *pos;
    v->field = (enum dpi_field) p[0];
    v->len = dpi_md_rec_len(p);
    v->str = (const char *) p + dpi_md_rec_hdr(p);
    v->num = 0;
    if (dpi_field_type(v->field) != DPI_FT_STR) {
        dpi_md_read_num((const uint8_t *) v->str, v->len, &v->num);
    }
    *pos += dpi_md_rec_size(p);
    return true;
}
