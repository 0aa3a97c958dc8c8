# dpi-classify: runs libdpi over capture files (installed).

bin_PROGRAMS += utilities/dpi-classify
utilities_dpi_classify_SOURCES = utilities/dpi-classify.c
utilities_dpi_classify_LDADD = lib/libdpi.a $(HS_LIBS) $(CRYPTO_LIBS) \
	$(PCAP_LIBS) -lstdc++ -lm
