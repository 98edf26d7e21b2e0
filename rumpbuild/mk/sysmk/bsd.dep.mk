# rumpbuild: bsd.dep.mk sets nothing that rump or module builds read.
