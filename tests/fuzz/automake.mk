# libFuzzer targets (tests/fuzz/README.md).
#
# With --enable-fuzz (the default when clang with libFuzzer is found), the
# fuzzers are built with $(FUZZ_CC) into tests/fuzz/ of the build tree,
# linked with a copy of libdpi compiled again, from the same sources as
# lib/libdpi.a, with the sanitizer flags.  "make check" runs each for
# $(FUZZ_CHECK_TIME) seconds (tests/fuzz/run-fuzz.sh); "make fuzz" for
# $(FUZZ_TIME) seconds.

FUZZ_TARGETS = \
	tests/fuzz/fuzz-parsers \
	tests/fuzz/fuzz-packet \
	tests/fuzz/fuzz-engine \
	tests/fuzz/fuzz-sig
FUZZ_SRCS = $(FUZZ_TARGETS:=.c) tests/fuzz/fuzz-util.h

EXTRA_DIST += \
	$(FUZZ_SRCS) \
	tests/fuzz/README.md \
	tests/fuzz/make-seeds.py \
	tests/fuzz/run-fuzz.sh

# Seconds each fuzzer runs in "make fuzz" and in "make check".
FUZZ_TIME = 600
FUZZ_CHECK_TIME = 30

TESTS += tests/fuzz/run-fuzz.sh
AM_TESTS_ENVIRONMENT += \
	DPI_FUZZ_BUILT='$(FUZZ_BUILT)'; export DPI_FUZZ_BUILT; \
	DPI_FUZZ_TIME='$(FUZZ_CHECK_TIME)'; export DPI_FUZZ_TIME;

if ENABLE_FUZZ
FUZZ_BUILT = yes
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	-fno-omit-frame-pointer
FUZZ_COMPILE = $(FUZZ_CC) -g -O1 $(FUZZ_SAN) -I$(top_srcdir)/lib \
	-I$(top_builddir)/lib -I$(top_builddir) $(HS_CFLAGS) $(CRYPTO_CFLAGS)

# libdpi, compiled again for the fuzzers: every C source of lib/libdpi.a
# (so parsers added there are included), instrumented for libFuzzer.
FUZZ_LIB_SRCS = $(filter %.c,$(lib_libdpi_a_SOURCES) \
	$(nodist_lib_libdpi_a_SOURCES))
FUZZ_LIB_DEPS = $(filter %.h %.def,$(lib_libdpi_a_SOURCES))
FUZZ_LIB_OBJS = $(patsubst %.c,tests/fuzz/obj/%.o,$(FUZZ_LIB_SRCS))

tests/fuzz/obj/%.o: %.c $(FUZZ_LIB_DEPS)
	@$(MKDIR_P) $(@D)
	$(AM_V_CC)$(FUZZ_COMPILE) -fsanitize=fuzzer-no-link -c -o $@ $<

tests/fuzz/libdpi-fuzz.a: $(FUZZ_LIB_OBJS)
	$(AM_V_AR)rm -f $@ && $(AR) cr $@ $(FUZZ_LIB_OBJS) && $(RANLIB) $@

tests/fuzz/fuzz-%: tests/fuzz/fuzz-%.c tests/fuzz/fuzz-util.h \
		tests/fuzz/libdpi-fuzz.a $(FUZZ_LIB_DEPS)
	$(AM_V_CCLD)$(FUZZ_COMPILE) -fsanitize=fuzzer -o $@ $< \
	  tests/fuzz/libdpi-fuzz.a $(HS_LIBS) $(CRYPTO_LIBS) -lstdc++ -lm \
	  -lpthread

all-local: $(FUZZ_TARGETS)

# Long run: each fuzzer for $(FUZZ_TIME) seconds.
fuzz: $(FUZZ_TARGETS)
	DPI_CORPUS_DIR='$(DPI_CORPUS_DIR)' DPI_SRCDIR='$(abs_top_srcdir)' \
	DPI_FUZZ_BUILT=yes DPI_FUZZ_TIME='$(FUZZ_TIME)' \
	  $(SHELL) $(srcdir)/tests/fuzz/run-fuzz.sh $(FUZZ_ARGS)
else
FUZZ_BUILT = no
fuzz:
	@echo "fuzzers not built: configure with --enable-fuzz (needs clang" \
	  "with libFuzzer: apt-get install clang libclang-rt-14-dev)" >&2
	@exit 1
endif

mostlyclean-local: clean-fuzz
clean-fuzz:
	rm -rf tests/fuzz/obj tests/fuzz/libdpi-fuzz.a $(FUZZ_TARGETS) \
	  tests/fuzz/seeds tests/fuzz/seeds.* tests/fuzz/corpus \
	  tests/fuzz/artifacts

# Fuzz regression replay (tests/fuzz/regress/README.md): each target's
# LLVMFuzzerTestOneInput() built with $(CC), without libFuzzer, and run on
# the files of tests/fuzz/regress/TARGET/, one CMocka test per file.
if HAVE_CMOCKA
FUZZ_REPLAY_SRCS = tests/fuzz/fuzz-replay.c tests/fuzz/fuzz-util.h
FUZZ_REPLAY_LDADD = $(TEST_LDADD)
FUZZ_REPLAY_CFLAGS = $(TEST_CFLAGS) $(CRYPTO_CFLAGS)

check_PROGRAMS += tests/fuzz/replay-parsers
tests_fuzz_replay_parsers_SOURCES = tests/fuzz/fuzz-parsers.c \
	$(FUZZ_REPLAY_SRCS)
tests_fuzz_replay_parsers_CPPFLAGS = $(AM_CPPFLAGS) \
	-DFUZZ_REPLAY_TARGET='"fuzz-parsers"'
tests_fuzz_replay_parsers_CFLAGS = $(FUZZ_REPLAY_CFLAGS)
tests_fuzz_replay_parsers_LDADD = $(FUZZ_REPLAY_LDADD)

check_PROGRAMS += tests/fuzz/replay-packet
tests_fuzz_replay_packet_SOURCES = tests/fuzz/fuzz-packet.c \
	$(FUZZ_REPLAY_SRCS)
tests_fuzz_replay_packet_CPPFLAGS = $(AM_CPPFLAGS) \
	-DFUZZ_REPLAY_TARGET='"fuzz-packet"'
tests_fuzz_replay_packet_CFLAGS = $(FUZZ_REPLAY_CFLAGS)
tests_fuzz_replay_packet_LDADD = $(FUZZ_REPLAY_LDADD)

check_PROGRAMS += tests/fuzz/replay-engine
tests_fuzz_replay_engine_SOURCES = tests/fuzz/fuzz-engine.c \
	$(FUZZ_REPLAY_SRCS)
tests_fuzz_replay_engine_CPPFLAGS = $(AM_CPPFLAGS) \
	-DFUZZ_REPLAY_TARGET='"fuzz-engine"'
tests_fuzz_replay_engine_CFLAGS = $(FUZZ_REPLAY_CFLAGS)
tests_fuzz_replay_engine_LDADD = $(FUZZ_REPLAY_LDADD)

check_PROGRAMS += tests/fuzz/replay-sig
tests_fuzz_replay_sig_SOURCES = tests/fuzz/fuzz-sig.c $(FUZZ_REPLAY_SRCS)
tests_fuzz_replay_sig_CPPFLAGS = $(AM_CPPFLAGS) \
	-DFUZZ_REPLAY_TARGET='"fuzz-sig"'
tests_fuzz_replay_sig_CFLAGS = $(FUZZ_REPLAY_CFLAGS)
tests_fuzz_replay_sig_LDADD = $(FUZZ_REPLAY_LDADD)
endif
EXTRA_DIST += tests/fuzz/regress
