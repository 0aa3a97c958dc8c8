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

#ifndef SIGDB_FIXTURE_H
#define SIGDB_FIXTURE_H 1

/* CMocka fixture shared by the unit tests: the built-in signature database
 * and a scratch for it. */

struct dpi_sigdb;
struct dpi_sig_scratch;

/* Fixture state, passed to each test through its 'state' argument. */
struct sigdb_fixture {
    struct dpi_sigdb *db;           /* Built-in signatures. */
    struct dpi_sig_scratch *scratch; /* Scratch for 'db'. */
};

int sigdb_fixture_setup(void **state);
int sigdb_fixture_teardown(void **state);

/* A CMocka test that runs with a struct sigdb_fixture in its state. */
#define SIGDB_FIXTURE_TEST(TEST) \
    cmocka_unit_test_setup_teardown(TEST, sigdb_fixture_setup, \
                                    sigdb_fixture_teardown)

#endif /* sigdb-fixture.h */
