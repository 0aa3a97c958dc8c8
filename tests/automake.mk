# Unit tests (CMocka) for libdpi.

if HAVE_CMOCKA
TEST_LDADD = lib/libdpi.a $(HS_LIBS) $(PCAP_LIBS) $(CMOCKA_LIBS) -lstdc++ -lm
TEST_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)

check_PROGRAMS += tests/test-app
tests_test_app_SOURCES = tests/test-app.c
tests_test_app_CFLAGS = $(TEST_CFLAGS) $(NDPI_CFLAGS)
tests_test_app_LDADD = $(TEST_LDADD) $(NDPI_LIBS)
endif

TESTS += $(check_PROGRAMS)
