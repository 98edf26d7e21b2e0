"""Kernel modules (.kmod): build them as NetBSD does, inspect them, convert them into rump components."""
