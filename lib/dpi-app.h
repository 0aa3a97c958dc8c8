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

#ifndef DPI_APP_H
#define DPI_APP_H 1

/* Application registry.
 *
 * Every application that libdpi can report has one stable 16-bit id, a
 * lowercase name and a category.  The table is compiled in from
 * dpi-apps.def, so that ovs-ofctl (which parses and prints "app_id=http")
 * and ovs-vswitchd (which sets the field) always agree on the ids.
 *
 * Ids below DPI_APP_FIRST_SERVICE are L7 protocols ("http", "tls"): they
 * are valid values of both the app_id and the app_proto match fields.  Ids
 * from DPI_APP_FIRST_SERVICE up are services ("youtube", "netflix") and only
 * appear in app_id.  An id, once released, never changes meaning.
 *
 * Thread-safety
 * =============
 *
 * The registry is constant data: every function here may be called from
 * any thread at any time. */

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Application identifiers, generated from dpi-apps.def. */
enum dpi_app_id {
#define DPI_APP(ID, NAME, CATEGORY, DESCRIPTION) DPI_APP_##NAME = ID,
#include "dpi-apps.def"
#undef DPI_APP
};

/* The first id of a service (as opposed to an L7 protocol). */
#define DPI_APP_FIRST_SERVICE 1024

/* Application categories. */
enum dpi_category {
#define DPI_CATEGORY(ID, NAME) DPI_CAT_##NAME = ID,
#include "dpi-categories.def"
#undef DPI_CATEGORY
};

/* Bits of the dpi_state match field.  A packet that has not been through
 * dpi() has none of them set. */
enum dpi_state_bits {
    DPI_STATE_TRK  = 1 << 0,    /* Packet went through dpi(). */
    DPI_STATE_PEND = 1 << 1,    /* Connection is still being inspected. */
    DPI_STATE_DONE = 1 << 2,    /* Final verdict: app_id is known. */
    DPI_STATE_UNK  = 1 << 3,    /* Gave up: application unknown. */
};

/* All the dpi_state bits that are defined. */
#define DPI_STATE_MASK (DPI_STATE_TRK | DPI_STATE_PEND | DPI_STATE_DONE \
                        | DPI_STATE_UNK)

const char *dpi_app_name(uint16_t id);
bool dpi_app_from_name(const char *name, uint16_t *id);
bool dpi_app_is_valid(uint16_t id);
bool dpi_app_is_protocol(uint16_t id);
enum dpi_category dpi_app_category(uint16_t id);
const char *dpi_app_description(uint16_t id);
const char *dpi_category_name(enum dpi_category);
bool dpi_category_from_name(const char *name, enum dpi_category *);
uint16_t dpi_app_next(uint16_t id);
const char *dpi_state_bit_name(uint32_t bit);

#ifdef __cplusplus
}
#endif

#endif /* dpi-app.h */
