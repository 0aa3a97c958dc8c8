# ovs-dpi datapath glue, compiled into libopenvswitch.  The ovs-dpi patch
# series includes this file from Open vSwitch's top-level Makefile.am; the
# datapath-dpi directory is a link to the ovs-dpi tree.
lib_libopenvswitch_la_SOURCES += \
	datapath-dpi/dpi-netdev.c \
	datapath-dpi/dpi-netdev.h
