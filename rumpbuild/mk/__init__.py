"""A bmake evaluator for NetBSD kernel and rump Makefiles."""

from rumpbuild.errors import MakefileError
from rumpbuild.mk.evaluator import Evaluator
from rumpbuild.mk.sysmk import SystemMakefiles

__all__ = ["Evaluator", "MakefileError", "SystemMakefiles"]
