# rumpbuild: bsd.shlib.mk sets nothing that rump or module builds read.
