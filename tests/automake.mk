# Unit tests (CMocka) for libdpi.

if HAVE_CMOCKA
TEST_LDADD = lib/libdpi.a $(HS_LIBS) $(CRYPTO_LIBS) $(PCAP_LIBS) \
	$(CMOCKA_LIBS) -lstdc++ -lm
TEST_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)

check_PROGRAMS += tests/test-app
tests_test_app_SOURCES = tests/test-app.c
tests_test_app_CFLAGS = $(TEST_CFLAGS) $(NDPI_CFLAGS)
tests_test_app_LDADD = $(TEST_LDADD) $(NDPI_LIBS)

check_PROGRAMS += tests/test-packet
tests_test_packet_SOURCES = tests/test-packet.c
tests_test_packet_CFLAGS = $(TEST_CFLAGS)
tests_test_packet_LDADD = $(TEST_LDADD)

check_PROGRAMS += tests/test-conn
tests_test_conn_SOURCES = tests/test-conn.c tests/md-shim.h
tests_test_conn_CFLAGS = $(TEST_CFLAGS)
tests_test_conn_LDADD = $(TEST_LDADD)

check_PROGRAMS += tests/test-engine
tests_test_engine_SOURCES = tests/test-engine.c
tests_test_engine_CFLAGS = $(TEST_CFLAGS)
tests_test_engine_LDADD = $(TEST_LDADD)

# Parser, signature and classifier tests.  The corpus tests read
# $DPI_CORPUS_DIR and skip without it.
check_PROGRAMS += tests/test-proto
tests_test_proto_SOURCES = tests/test-proto.c tests/md-shim.h tests/pcap-util.c \
	tests/pcap-util.h
tests_test_proto_CFLAGS = $(TEST_CFLAGS)
tests_test_proto_LDADD = $(TEST_LDADD)

check_PROGRAMS += tests/test-quic
tests_test_quic_SOURCES = tests/test-quic.c tests/pcap-util.c \
	tests/pcap-util.h
tests_test_quic_CFLAGS = $(TEST_CFLAGS) $(CRYPTO_CFLAGS)
tests_test_quic_LDADD = $(TEST_LDADD)
# Fragment association and tunnel/fragment flows against the corpus.
check_PROGRAMS += tests/test-frag
tests_test_frag_SOURCES = tests/test-frag.c tests/pcap-util.c \
	tests/pcap-util.h
tests_test_frag_CFLAGS = $(TEST_CFLAGS)
tests_test_frag_LDADD = $(TEST_LDADD)
check_PROGRAMS += tests/test-proto-mail
tests_test_proto_mail_SOURCES = tests/test-proto-mail.c tests/proto-run.h \
	tests/pcap-util.c \
	tests/pcap-util.h
tests_test_proto_mail_CFLAGS = $(TEST_CFLAGS)
tests_test_proto_mail_LDADD = $(TEST_LDADD)
check_PROGRAMS += tests/test-proto-voip
tests_test_proto_voip_SOURCES = tests/test-proto-voip.c tests/proto-run.h
tests_test_proto_voip_CFLAGS = $(TEST_CFLAGS)
tests_test_proto_voip_LDADD = $(TEST_LDADD)
check_PROGRAMS += tests/test-proto-p2p
tests_test_proto_p2p_SOURCES = tests/test-proto-p2p.c tests/proto-run.h \
	tests/pcap-util.c \
	tests/pcap-util.h
tests_test_proto_p2p_CFLAGS = $(TEST_CFLAGS)
tests_test_proto_p2p_LDADD = $(TEST_LDADD)
check_PROGRAMS += tests/test-proto-infra
tests_test_proto_infra_SOURCES = tests/test-proto-infra.c \
	tests/pcap-util.c tests/pcap-util.h
tests_test_proto_infra_CFLAGS = $(TEST_CFLAGS)
tests_test_proto_infra_LDADD = $(TEST_LDADD)

check_PROGRAMS += tests/test-der
tests_test_der_SOURCES = tests/test-der.c
tests_test_der_CFLAGS = $(TEST_CFLAGS) $(CRYPTO_CFLAGS)
tests_test_der_LDADD = $(TEST_LDADD)

check_PROGRAMS += tests/test-proto-tls
tests_test_proto_tls_SOURCES = tests/test-proto-tls.c
tests_test_proto_tls_CFLAGS = $(TEST_CFLAGS) $(CRYPTO_CFLAGS)
tests_test_proto_tls_LDADD = $(TEST_LDADD)

check_PROGRAMS += tests/test-sig
tests_test_sig_SOURCES = tests/test-sig.c tests/sigdb-fixture.c \
	tests/sigdb-fixture.h
tests_test_sig_CFLAGS = $(TEST_CFLAGS)
tests_test_sig_LDADD = $(TEST_LDADD)

check_PROGRAMS += tests/test-classify
tests_test_classify_SOURCES = tests/test-classify.c tests/md-shim.h \
	tests/pcap-util.c \
	tests/pcap-util.h tests/sigdb-fixture.c tests/sigdb-fixture.h
tests_test_classify_CFLAGS = $(TEST_CFLAGS)
tests_test_classify_LDADD = $(TEST_LDADD)
endif

TESTS += $(check_PROGRAMS)

# dpi-classify against tests/captures/EXPECTED.tsv (needs tshark and
# python3; skips without them).
TESTS += tests/check-dpi-classify.sh
EXTRA_DIST += tests/check-dpi-classify.sh

# Accuracy against the corpus oracle (docs/ACCURACY.md); skips without the
# corpus.
TESTS += tests/check-accuracy.sh

# JA4 against an independent implementation (tests/ja4.py, tshark-fed).
TESTS += tests/check-ja4.sh
EXTRA_DIST += tests/check-ja4.sh tests/ja4.py
EXTRA_DIST += \
	tests/accuracy-floors.txt \
	tests/check-accuracy.sh \
	tests/dpi-accuracy.py
CLEANFILES += tests/check-accuracy.md

# The project's own captures (tests/captures/README.md) and their tools.
EXTRA_DIST += \
	tests/captures/EXPECTED.tsv \
	tests/captures/README.md \
	tests/captures/check-pcap2hex.py \
	tests/captures/demo.pcap \
	tests/captures/dns.pcap \
	tests/captures/http.pcap \
	tests/captures/make-captures.sh \
	tests/captures/make-expected.py \
	tests/captures/ssh.pcap \
	tests/captures/tls.pcap \
	tests/pcap2hex.py
check_PROGRAMS += tests/test-proto-apps
tests_test_proto_apps_SOURCES = tests/test-proto-apps.c tests/pcap-util.c \
	tests/pcap-util.h
tests_test_proto_apps_CFLAGS = $(TEST_CFLAGS)
tests_test_proto_apps_LDADD = $(TEST_LDADD)

check_PROGRAMS += tests/test-proto-calls
tests_test_proto_calls_SOURCES = tests/test-proto-calls.c \
	tests/pcap-util.c tests/pcap-util.h tests/proto-run.h
tests_test_proto_calls_CFLAGS = $(TEST_CFLAGS)
tests_test_proto_calls_LDADD = $(TEST_LDADD)

check_PROGRAMS += tests/test-proto-misc
tests_test_proto_misc_SOURCES = tests/test-proto-misc.c \
	tests/proto-run.h tests/sigdb-fixture.c tests/sigdb-fixture.h
tests_test_proto_misc_CFLAGS = $(TEST_CFLAGS)
tests_test_proto_misc_LDADD = $(TEST_LDADD)

# Connection flood through the patched OVS-DPDK datapath: run by
# build-aux/run-tests (root, OVS built with DPDK), not by "make check".
EXTRA_DIST += tests/ovs-flood.sh tests/ovs-flood-gen.py
