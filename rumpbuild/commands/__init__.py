"""One module per subcommand.

Each module defines ``COMMAND``, an instance of :class:`Command`.  The CLI
imports a module only when its subcommand runs (``--help`` imports all).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Callable

# Subcommand name -> module under rumpbuild.commands; order is --help order.
COMMAND_MODULES = {
    "scan": "scan",
    "component": "component",
    "kmod": "kmod",
    "kernel": "kernel",
    "test": "test",
    "util": "util",
    "ci": "ci",
    "rules": "rules",
    "arches": "arches",
    "doctor": "doctor",
}


@dataclass
class Command:
    name: str
    help: str
    description: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]
