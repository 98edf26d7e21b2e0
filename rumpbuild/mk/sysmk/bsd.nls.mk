# rumpbuild: bsd.nls.mk sets nothing that rump or module builds read.
