# rumpbuild: bsd.man.mk sets nothing that rump or module builds read.
