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

#include "dpi-app.h"

#include <stddef.h>
#include <strings.h>

/* One registered application. */
struct dpi_app_info {
    uint16_t id;                  /* Stable identifier. */
    enum dpi_category category;   /* What kind of application it is. */
    const char *name;             /* Lowercase name, e.g. "youtube". */
    const char *description;      /* Human-readable name. */
};

/* The registry, in increasing order of 'id'. */
static const struct dpi_app_info dpi_apps[] = {
#define DPI_APP(ID, NAME, CATEGORY, DESCRIPTION) \
    { ID, DPI_CAT_##CATEGORY, #NAME, DESCRIPTION },
#include "dpi-apps.def"
#undef DPI_APP
};

#define DPI_N_APPS (sizeof dpi_apps / sizeof dpi_apps[0])

/* Category names, indexed by id. */
static const char *const dpi_category_names[] = {
#define DPI_CATEGORY(ID, NAME) [ID] = #NAME,
#include "dpi-categories.def"
#undef DPI_CATEGORY
};

#define DPI_N_CATEGORIES \
    (sizeof dpi_category_names / sizeof dpi_category_names[0])
_Static_assert(DPI_N_CATEGORIES < UINT8_MAX,
               "dpi_app_categories[] holds a category plus 1 in a byte");

/* Returns the registry entry for 'id', or NULL if 'id' is not registered.
 * The table is sorted, so this is a binary search. */
static const struct dpi_app_info *
dpi_app_lookup(uint16_t id)
{
    size_t lo = 0, hi = DPI_N_APPS;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (dpi_apps[mid].id == id) {
            return &dpi_apps[mid];
        } else if (dpi_apps[mid].id < id) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return NULL;
}

/* Returns the lowercase name of application 'id', or NULL if 'id' is not
 * registered. */
const char *
dpi_app_name(uint16_t id)
{
    const struct dpi_app_info *app = dpi_app_lookup(id);

    return app ? app->name : NULL;
}

/* Returns the human-readable description of application 'id', or NULL if
 * 'id' is not registered. */
const char *
dpi_app_description(uint16_t id)
{
    const struct dpi_app_info *app = dpi_app_lookup(id);

    return app ? app->description : NULL;
}

/* Looks up 'name' (case-insensitively) and stores its id in '*id'.  Returns
 * true on success, false if no application has that name. */
bool
dpi_app_from_name(const char *name, uint16_t *id)
{
    for (size_t i = 0; i < DPI_N_APPS; i++) {
        if (!strcasecmp(dpi_apps[i].name, name)) {
            *id = dpi_apps[i].id;
            return true;
        }
    }
    return false;
}

/* Returns true if 'id' is registered. */
bool
dpi_app_is_valid(uint16_t id)
{
    return dpi_app_lookup(id) != NULL;
}

/* Returns true if 'id' is a registered L7 protocol, that is, a valid value
 * of the app_proto field. */
bool
dpi_app_is_protocol(uint16_t id)
{
    return id < DPI_APP_FIRST_SERVICE && dpi_app_is_valid(id);
}

/* The category of each registered application plus 1, indexed by id; 0
 * for an id that is not registered.  The datapath asks for the category
 * of every packet's application, so it is one load. */
static const uint8_t dpi_app_categories[] = {
#define DPI_APP(ID, NAME, CATEGORY, DESCRIPTION) \
    [ID] = DPI_CAT_##CATEGORY + 1,
#include "dpi-apps.def"
#undef DPI_APP
};

/* Returns the category of application 'id'; DPI_CAT_unspecified if 'id' is
 * not registered. */
enum dpi_category
dpi_app_category(uint16_t id)
{
    return (id < sizeof dpi_app_categories && dpi_app_categories[id]
            ? (enum dpi_category) (dpi_app_categories[id] - 1)
            : DPI_CAT_unspecified);
}

/* Returns the name of category 'cat', or NULL if it is not defined. */
const char *
dpi_category_name(enum dpi_category cat)
{
    return (unsigned int) cat < DPI_N_CATEGORIES
           ? dpi_category_names[cat] : NULL;
}

/* Looks up category 'name' (case-insensitively) into '*cat'.  Returns true
 * on success, false if there is no such category. */
bool
dpi_category_from_name(const char *name, enum dpi_category *cat)
{
    for (size_t i = 0; i < DPI_N_CATEGORIES; i++) {
        if (dpi_category_names[i]
            && !strcasecmp(dpi_category_names[i], name)) {
            *cat = i;
            return true;
        }
    }
    return false;
}

/* Iterates the registry: returns the smallest registered id greater than
 * 'id', or 0 when there is none.  Start with 0 ("unknown" is id 0 and is
 * not returned). */
uint16_t
dpi_app_next(uint16_t id)
{
    for (size_t i = 0; i < DPI_N_APPS; i++) {
        if (dpi_apps[i].id > id) {
            return dpi_apps[i].id;
        }
    }
    return 0;
}

/* Returns the name of the single dpi_state flag 'bit' ("trk", "pend",
 * "done", "unk"), or NULL if 'bit' is not exactly one defined flag. */
const char *
dpi_state_bit_name(uint32_t bit)
{
    switch (bit) {
    case DPI_STATE_TRK:
        return "trk";
    case DPI_STATE_PEND:
        return "pend";
    case DPI_STATE_DONE:
        return "done";
    case DPI_STATE_UNK:
        return "unk";
    default:
        return NULL;
    }
}
