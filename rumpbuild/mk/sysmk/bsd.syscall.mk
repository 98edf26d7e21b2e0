# rumpbuild: bsd.syscall.mk sets nothing that rump or module builds read.
