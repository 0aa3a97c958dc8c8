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

#ifndef FUZZ_UTIL_H
#define FUZZ_UTIL_H 1

/* Checks shared by the libFuzzer targets.  A failed check prints what is
 * wrong and aborts, which libFuzzer reports as a crash with the input. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dpi-md.h"
#include "dpi-proto.h"

/* Aborts with 'msg' unless 'cond' holds. */
#define FUZZ_ASSERT(COND, MSG)                                          \
    do {                                                                \
        if (!(COND)) {                                                  \
            fprintf(stderr, "%s:%d: fuzz check failed: %s (%s)\n",      \
                    __FILE__, __LINE__, MSG, #COND);                    \
            abort();                                                    \
        }                                                               \
    } while (0)

/* Checks that 'md' is within its budget and that walking its records
 * gives valid fields and NUL-terminated strings of the stated length that
 * add up to exactly its length. */
static inline void
fuzz_check_md(const struct dpi_md *md)
{
    struct dpi_md_value v;
    uint32_t pos = 0;

    FUZZ_ASSERT(md->len <= md->max, "metadata over its budget");
    FUZZ_ASSERT(!md->len == !md->buf, "metadata buffer/length mismatch");
    FUZZ_ASSERT(dpi_md_allocated(md) <= 2 * (size_t) md->max + 64,
                "metadata allocation out of proportion to its budget");
    while (dpi_md_next(md, &pos, &v)) {
        FUZZ_ASSERT(dpi_field_is_valid(v.field), "invalid metadata field");
        if (dpi_field_type(v.field) == DPI_FT_STR) {
            FUZZ_ASSERT(v.len <= DPI_MD_VALUE_MAX, "value over its limit");
            FUZZ_ASSERT(v.str[v.len] == '\0', "value not NUL-terminated");
        }
        FUZZ_ASSERT(pos <= md->len, "record past the end of metadata");
    }
    FUZZ_ASSERT(pos == md->len, "metadata records do not add up");
}

/* Checks that 'r' is one of the three parser results. */
static inline void
fuzz_check_result(enum dpi_proto_result r)
{
    FUZZ_ASSERT(r == DPI_PROTO_NO || r == DPI_PROTO_MORE
                || r == DPI_PROTO_YES, "parser returned a bad result");
}

#endif /* fuzz-util.h */
