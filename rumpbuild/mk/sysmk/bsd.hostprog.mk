# rumpbuild: bsd.hostprog.mk sets nothing that rump or module builds read.
