# rumpbuild: bsd.obj.mk sets nothing that rump or module builds read.
