# rumpbuild: bsd.ioconf.mk sets nothing that rump or module builds read.
