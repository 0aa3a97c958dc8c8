# libdpi: the DPI engine.  It knows nothing of Open vSwitch.  Programs that
# link it also need $(HS_LIBS) and $(CRYPTO_LIBS).

noinst_LIBRARIES += lib/libdpi.a
lib_libdpi_a_CFLAGS = $(AM_CFLAGS) $(HS_CFLAGS) $(CRYPTO_CFLAGS)
lib_libdpi_a_SOURCES = \
	lib/dpi-app.c \
	lib/dpi-app.h \
	lib/dpi-apps.def \
	lib/dpi-categories.def \
	lib/dpi-classify.c \
	lib/dpi-classify.h \
	lib/dpi-conn.c \
	lib/dpi-conn.h \
	lib/dpi-crypto.c \
	lib/dpi-crypto.h \
	lib/dpi-dnscache.c \
	lib/dpi-dnscache.h \
	lib/dpi-expect.c \
	lib/dpi-expect.h \
	lib/dpi-engine.c \
	lib/dpi-fields.def \
	lib/dpi-md.c \
	lib/dpi-md.h \
	lib/dpi-frag.c \
	lib/dpi-frag.h \
	lib/dpi-hash.h \
	lib/dpi-packet.c \
	lib/dpi-proto.h \
	lib/dpi-sig.c \
	lib/dpi-sig-private.h \
	lib/dpi.h \
	lib/proto/dns.c \
	lib/proto/dtls.c \
	lib/proto/ftp.c \
	lib/proto/http.c \
	lib/proto/infra.c \
	lib/proto/db.c \
	lib/proto/der.c \
	lib/proto/der.h \
	lib/proto/mail.c \
	lib/proto/p2p.c \
	lib/proto/parsers.def \
	lib/proto/quic.c \
	lib/proto/quic.h \
	lib/proto/remote.c \
	lib/proto/rtp.c \
	lib/proto/sip.c \
	lib/proto/ssh.c \
	lib/proto/stun.c \
	lib/proto/text.c \
	lib/proto/text.h \
	lib/proto/tls.c \
	lib/proto/telephony.c \
	lib/proto/tls.h \
	lib/proto/vpn.c \
	lib/proto/apps.c \
	lib/proto/calls.c \
	lib/proto/redis.c \
	lib/proto/gtp.c \
	lib/proto/coap.c \
	lib/proto/xmpp.c
nodist_lib_libdpi_a_SOURCES = lib/dpi-sig-builtin.c

# The default signature database: the parts below, concatenated in this
# order (one protocol family or the services per part), installed and
# built into the library.
SIG_PARTS = \
	lib/signatures/00-core.sig \
	lib/signatures/10-mail-remote.sig \
	lib/signatures/20-voip.sig \
	lib/signatures/30-infra.sig \
	lib/signatures/40-p2p-vpn.sig \
	lib/signatures/80-apps.sig \
	lib/signatures/85-apps-more.sig \
	lib/signatures/90-services.sig
EXTRA_DIST += $(SIG_PARTS)
CLEANFILES += lib/ovs-dpi.sig lib/dpi-sig-builtin.c
sigdir = $(pkgdatadir)
sig_DATA = lib/ovs-dpi.sig

lib/ovs-dpi.sig: $(SIG_PARTS)
	$(AM_V_GEN)$(MKDIR_P) lib && \
	  (cd $(srcdir) && cat $(SIG_PARTS)) > $@.tmp && mv $@.tmp $@

lib/dpi-sig-builtin.c: lib/ovs-dpi.sig build-aux/text2c
	$(AM_V_GEN)$(MKDIR_P) lib && \
	  $(SHELL) $(srcdir)/build-aux/text2c dpi_sig_builtin \
	  lib/ovs-dpi.sig > $@.tmp && mv $@.tmp $@
