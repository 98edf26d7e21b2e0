"""Backends chosen by name: each turns a build plan into rules, and some also run them."""

from __future__ import annotations

import importlib

from rumpbuild.errors import UnknownNameError

BACKENDS = {"scons": "rumpbuild.backends.scons"}


def get_backend(name: str):
    """The backend module called *name* (NAME, CAN_BUILD, write(), build())."""
    if name not in BACKENDS:
        raise UnknownNameError("backend", name, sorted(BACKENDS), ["`rumpbuild rules --help` lists the formats"])
    return importlib.import_module(BACKENDS[name])
