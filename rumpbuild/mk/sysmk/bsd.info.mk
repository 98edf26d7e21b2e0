# rumpbuild: bsd.info.mk sets nothing that rump or module builds read.
