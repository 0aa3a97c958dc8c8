# libdpi: the DPI engine.  It knows nothing of Open vSwitch.

noinst_LIBRARIES += lib/libdpi.a
lib_libdpi_a_CFLAGS = $(AM_CFLAGS) $(HS_CFLAGS)
lib_libdpi_a_SOURCES = \
	lib/dpi-app.c \
	lib/dpi-app.h \
	lib/dpi-apps.def \
	lib/dpi-categories.def \
	lib/dpi-classify.c \
	lib/dpi-classify.h \
	lib/dpi-conn.c \
	lib/dpi-conn.h \
	lib/dpi-engine.c \
	lib/dpi-frag.c \
	lib/dpi-frag.h \
	lib/dpi-packet.c \
	lib/dpi-proto.h \
	lib/dpi-sig.c \
	lib/dpi-sig-private.h \
	lib/dpi.h \
	lib/proto/dns.c \
	lib/proto/http.c \
	lib/proto/ssh.c \
	lib/proto/tls.c
nodist_lib_libdpi_a_SOURCES = lib/dpi-sig-builtin.c

EXTRA_DIST += lib/signatures/ovs-dpi.sig
CLEANFILES += lib/dpi-sig-builtin.c

# The default signature file, built into the library.
lib/dpi-sig-builtin.c: lib/signatures/ovs-dpi.sig build-aux/text2c
	$(AM_V_GEN)$(MKDIR_P) lib && \
	  $(SHELL) $(srcdir)/build-aux/text2c dpi_sig_builtin \
	  $(srcdir)/lib/signatures/ovs-dpi.sig > $@.tmp && mv $@.tmp $@
