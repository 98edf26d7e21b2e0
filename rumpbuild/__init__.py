"""rumpbuild: NetBSD rump kernel component libraries from a NetBSD source tree."""

__version__ = "0.1.0"
