"""Kernel state to set before a mount: cgd(4) disks and RAIDframe sets (issue #14).

The state file is TOML (see README, "Kernel state before the mount").
:func:`load_state` parses and validates it into a :class:`State`, whose
``steps`` are the configuration steps in file order; the rump kernel side
(rumpbuild.state.kernel) turns them into C that runs the kernel's own ioctls.

A program that wants the state (the smoke test, the rump_<fs> utility):
  state = load_state(path, creating=bool(init_from)); check_tree(state, session.tree.sys)
  closure += state_entries(session, state)            # cgd/raidframe and their closures
  objs += state_objects(session, plan, state, workdir)  # after session.build(closure)
  prepare_images(state, init_from)                     # --init-from: make missing images
  run it with env state_environment(state, init_from)  # keys, --init-from image
and in C, after rump_init(): rumpbuild_state_up(&mountdev) (0 or -1), mount mountdev;
after the unmount: rumpbuild_state_down() (number of failed teardown steps).
"""

from rumpbuild.state.model import CgdStep, MountSpec, RaidStep, State
from rumpbuild.state.parse import load_state

__all__ = ["CgdStep", "MountSpec", "RaidStep", "State", "load_state"]
