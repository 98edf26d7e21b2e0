# rumpbuild: bsd.kernobj.mk sets nothing that rump or module builds read.
