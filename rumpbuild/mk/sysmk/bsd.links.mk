# rumpbuild: bsd.links.mk sets nothing that rump or module builds read.
