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

/* Unit tests of the application registry (lib/dpi-app.c). */

#include <config.h>

#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#ifdef HAVE_NDPI
#include <ndpi_api.h>
#endif

#include "dpi-app.h"

/* Ids come out of dpi_app_next() strictly increasing, and each one has a
 * name, a description and a valid category. */
static void
test_registry_is_sorted_and_complete(void **state)
{
    unsigned int n = 0;
    uint16_t prev = 0;

    for (uint16_t id = dpi_app_next(0); id; id = dpi_app_next(id)) {
        assert_true(id > prev);
        assert_non_null(dpi_app_name(id));
        assert_non_null(dpi_app_description(id));
        assert_non_null(dpi_category_name(dpi_app_category(id)));
        prev = id;
        n++;
    }
    assert_true(n >= 8);
    assert_string_equal(dpi_app_name(DPI_APP_unknown), "unknown");
}

/* Every name is lowercase and maps back to its own id, case-insensitively;
 * no two applications share a name. */
static void
test_names_round_trip(void **state)
{
    for (uint16_t id = dpi_app_next(0); id; id = dpi_app_next(id)) {
        const char *name = dpi_app_name(id);
        char upper[64];
        uint16_t back;
        size_t i;

        for (i = 0; name[i] && i < sizeof upper - 1; i++) {
            assert_false(isupper((unsigned char) name[i]));
            upper[i] = toupper((unsigned char) name[i]);
        }
        upper[i] = '\0';

        assert_true(dpi_app_from_name(name, &back));
        assert_int_equal(back, id);
        assert_true(dpi_app_from_name(upper, &back));
        assert_int_equal(back, id);
    }
}

/* Unknown names and ids are refused. */
static void
test_unknown_names_and_ids(void **state)
{
    uint16_t id = 12345;

    assert_false(dpi_app_from_name("no-such-app", &id));
    assert_false(dpi_app_from_name("", &id));
    assert_int_equal(id, 12345);
    assert_null(dpi_app_name(65535));
    assert_false(dpi_app_is_valid(65535));
    assert_false(dpi_app_is_protocol(65535));
}

/* Protocols are below DPI_APP_FIRST_SERVICE, services above it. */
static void
test_protocols_and_services(void **state)
{
    assert_true(dpi_app_is_protocol(DPI_APP_http));
    assert_true(dpi_app_is_protocol(DPI_APP_tls));
    assert_false(dpi_app_is_protocol(DPI_APP_youtube));
    assert_true(dpi_app_is_valid(DPI_APP_youtube));
    assert_int_equal(dpi_app_category(DPI_APP_youtube), DPI_CAT_video);
}

/* dpi_app_category() gives, for every id, the category that dpi-apps.def
 * names for it (read here by name, through dpi_category_from_name()), and
 * "unspecified" for ids that are not registered. */
static void
test_categories_match_registry(void **state)
{
    static const struct {
        uint16_t id;
        const char *category;
    } apps[] = {
#define DPI_APP(ID, NAME, CATEGORY, DESCRIPTION) { ID, #CATEGORY },
#include "dpi-apps.def"
#undef DPI_APP
    };
    size_t i = 0;

    for (uint32_t id = 0; id <= UINT16_MAX; id++) {
        enum dpi_category want = DPI_CAT_unspecified;

        if (i < sizeof apps / sizeof apps[0] && apps[i].id == id) {
            assert_true(dpi_category_from_name(apps[i].category, &want));
            i++;
        }
        assert_int_equal(dpi_app_category((uint16_t) id), want);
    }
    assert_int_equal(i, sizeof apps / sizeof apps[0]);
}

/* The ids that ovs-ofctl users write in flows must never change. */
static void
test_ids_are_stable(void **state)
{
    static const struct {
        const char *name;
        uint16_t id;
    } stable[] = {
        { "unknown", 0 }, { "http", 1 }, { "tls", 2 }, { "dns", 3 },
        { "ssh", 4 }, { "quic", 5 }, { "google", 1024 },
        { "youtube", 1025 }, { "facebook", 1026 }, { "netflix", 1027 },
    };

    for (size_t i = 0; i < sizeof stable / sizeof stable[0]; i++) {
        uint16_t id;

        assert_true(dpi_app_from_name(stable[i].name, &id));
        assert_int_equal(id, stable[i].id);
    }
}

/* Category names round trip. */
static void
test_category_names(void **state)
{
    enum dpi_category cat;

    assert_true(dpi_category_from_name("video", &cat));
    assert_int_equal(cat, DPI_CAT_video);
    assert_string_equal(dpi_category_name(DPI_CAT_mail), "mail");
    assert_false(dpi_category_from_name("nonsense", &cat));
    assert_null(dpi_category_name((enum dpi_category) 1000));
}

/* dpi_state flag names. */
static void
test_state_bit_names(void **state)
{
    assert_string_equal(dpi_state_bit_name(DPI_STATE_TRK), "trk");
    assert_string_equal(dpi_state_bit_name(DPI_STATE_PEND), "pend");
    assert_string_equal(dpi_state_bit_name(DPI_STATE_DONE), "done");
    assert_string_equal(dpi_state_bit_name(DPI_STATE_UNK), "unk");
    assert_null(dpi_state_bit_name(DPI_STATE_TRK | DPI_STATE_DONE));
    assert_null(dpi_state_bit_name(0));
}

#ifdef HAVE_NDPI
/* Our applications that nDPI 4.2 does not know by any name.  Every other
 * registry name must be an nDPI protocol name in lowercase. */
static const char *const apps_unknown_to_ndpi[] = {
    /* Protocols that nDPI 4.2 does not name (newer nDPI does). */
    "ftps", "kafka", "tivoconnect",
    /* Named by nDPI 4.11 in the corpus labels. */
    "bacnet", "bitcoin", "ceph", "elasticsearch", "iscsi", "jrmi", "ldp",
    "nat_pmp", "roughtime", "service_location_protocol",
    /* Services that nDPI 4.2 does not name. */
    "1kxun", "adobeconnect", "anyconnect", "bluesky", "chatgpt",
    "electronicarts", "facebookmessenger", "fbookreelstory", "googlecloud",
    "googlemeet", "huawei", "huaweicloud", "iqiyi", "line", "mastodon",
    "nordvpn", "outlook", "surfshark", "tailscale", "threads",
    NULL
};

/* Returns true if 'name' is in apps_unknown_to_ndpi[]. */
static bool
app_unknown_to_ndpi(const char *name)
{
    for (size_t i = 0; apps_unknown_to_ndpi[i]; i++) {
        if (!strcmp(apps_unknown_to_ndpi[i], name)) {
            return true;
        }
    }
    return false;
}

/* Returns true if 'ours' is nDPI's name 'theirs' in lowercase, with '_' for
 * every character other than a letter or a digit. */
static bool
ndpi_name_matches(const char *theirs, const char *ours)
{
    for (; *theirs && *ours; theirs++, ours++) {
        int c = isalnum((unsigned char) *theirs)
                ? tolower((unsigned char) *theirs) : '_';

        if (c != *ours) {
            return false;
        }
    }
    return !*theirs && !*ours;
}

/* Registry names are nDPI's names, lowercased (checked against the
 * installed libndpi, an independent source). */
static void
test_names_match_ndpi(void **state)
{
    struct ndpi_detection_module_struct *ndpi;
    u_int num;

    ndpi = ndpi_init_detection_module(ndpi_no_prefs);
    assert_non_null(ndpi);
    ndpi_finalize_initialization(ndpi);
    num = ndpi_get_num_supported_protocols(ndpi);

    for (uint16_t id = dpi_app_next(0); id; id = dpi_app_next(id)) {
        const char *name = dpi_app_name(id);
        bool found = false;

        for (u_int p = 0; p < num && !found; p++) {
            const char *nname = ndpi_get_proto_name(ndpi, p);

            found = nname && ndpi_name_matches(nname, name);
        }
        if (!found && !app_unknown_to_ndpi(name)) {
            fail_msg("\"%s\" is not an nDPI protocol name", name);
        }
    }
    ndpi_exit_detection_module(ndpi);
}
#endif

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry_is_sorted_and_complete),
        cmocka_unit_test(test_names_round_trip),
        cmocka_unit_test(test_unknown_names_and_ids),
        cmocka_unit_test(test_protocols_and_services),
        cmocka_unit_test(test_categories_match_registry),
        cmocka_unit_test(test_ids_are_stable),
        cmocka_unit_test(test_category_names),
        cmocka_unit_test(test_state_bit_names),
#ifdef HAVE_NDPI
        cmocka_unit_test(test_names_match_ndpi),
#endif
    };

    return cmocka_run_group_tests_name("dpi-app", tests, NULL, NULL);
}
