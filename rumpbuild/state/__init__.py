"""Kernel state to set before a mount: cgd(4) disks and RAIDframe sets (issue #14).

The state file is TOML (see README, "Kernel state before the mount").
:func:`load_state` parses and validates it into a :class:`State`, whose
``steps`` are the configuration steps in file order; the rump kernel side
(rumpbuild.state.kernel) turns them into C that runs the kernel's own ioctls.
"""

from rumpbuild.state.model import CgdStep, MountSpec, RaidStep, State
from rumpbuild.state.parse import load_state

__all__ = ["CgdStep", "MountSpec", "RaidStep", "State", "load_state"]
