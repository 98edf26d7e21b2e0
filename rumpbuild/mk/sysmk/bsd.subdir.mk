# rumpbuild: bsd.subdir.mk sets nothing that rump or module builds read.
