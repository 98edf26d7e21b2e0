# rumpbuild: bsd.endian.mk sets nothing that rump or module builds read.
