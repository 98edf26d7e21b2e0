# rumpbuild: bsd.inc.mk sets nothing that rump or module builds read.
