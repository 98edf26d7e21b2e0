# rumpbuild: bsd.files.mk sets nothing that rump or module builds read.
