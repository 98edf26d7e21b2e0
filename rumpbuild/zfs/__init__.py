"""zfs administration inside a rump kernel: a kernel-side helper that drives
the zfs ioctl handler (helper.py), a host tool that calls it (zfstool.c),
the argument rules (names.py) and the round-trip test (roundtrip.py)."""
