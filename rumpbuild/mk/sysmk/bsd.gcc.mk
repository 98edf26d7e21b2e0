# rumpbuild: bsd.gcc.mk sets nothing that rump or module builds read.
