# rumpbuild: bsd.kinc.mk sets nothing that rump or module builds read.
