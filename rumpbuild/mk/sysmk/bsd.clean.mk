# rumpbuild: bsd.clean.mk sets nothing that rump or module builds read.
