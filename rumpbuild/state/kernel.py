"""The rump kernel side of a state file: components, C helpers, images.

* :func:`state_entries` adds the drivers' components (cgd, raidframe) found
  by name in the scan, with their link closures (which bring
  librumpkern_crypto, librumpdev_disk, librumpvfs … through
  model/closure.py, not through a list here).
* :func:`state_objects` renders two C files: state_kernel.c (compiled as
  rump kernel code with the rumpdev faction's flags, renamed into rumpns_,
  like the smoke test's mount arguments) and state_host.c (the host half:
  etfs, order, teardown).  The smoke program calls rumpbuild_state_up()
  before its mount and rumpbuild_state_down() after its unmount.
* :func:`prepare_images` makes the sparse images ``--init-from`` fills;
  :func:`state_environment` is what the program needs at run time (keys,
  the --init-from image), so one program serves with and without it.
"""

from __future__ import annotations

import os
import re

from rumpbuild.errors import UserError
from rumpbuild.fsutil import write_atomic
from rumpbuild.state.model import State
from rumpbuild.state.partition import locate
from rumpbuild.templates import environment

# state-file driver -> (component name in the tree, headers its declarations need first (included
# where the tree has them, in cgd.c's order), headers declaring its ioctls)
DRIVERS = {
    "cgd": ("cgd", ["sys/device.h", "sys/buf.h", "sys/bufq.h", "sys/disk.h", "dev/dkvar.h"], ["dev/cgdvar.h"]),
    "raid": ("raidframe", [], ["dev/raidframe/raidframevar.h", "dev/raidframe/raidframeio.h"]),
}
_CIPHER_NAME = re.compile(rb'\.cf_name\s*=\s*"([^"]+)"')
_DEVNODES = re.compile(r'makedevnodes?\s*\([^"]*"/dev/(\w+?)"')  # rump_vfs_makedevnodes(S_IFBLK, "/dev/cgd0", …)
RAID_MARGIN = 1 << 20  # component size beyond the plain image: RAIDframe's label area, stripe rounding


def c_literal(value) -> str:
    """A C string literal for *value*: printable ASCII as is, everything else as octal escapes."""
    out = []
    for b in str(value).encode():
        ch = chr(b)
        if ch in '"\\' or b < 32 or b > 126 or ch == "?":
            out.append(f"\\{b:03o}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def check_tree(state: State, tree_sys) -> None:
    """The tree's cgd knows every cipher the file asks for (the 2016 tree has no aes-xts), and its
    rump components make device nodes for every unit the file uses (the 2016 tree's: unit 0 only)."""
    src = os.path.join(str(tree_sys), "dev", "cgd_crypto.c")
    known = [m.group(1).decode() for m in _CIPHER_NAME.finditer(open(src, "rb").read())] \
        if os.path.isfile(src) else []
    for s in state.steps:
        if s.kind == "cgd" and known and s.cipher not in known:
            raise UserError(f"{state.path}:{s.line}: [[cgd]] {s.device} field 'cipher': this tree's cgd has no "
                            f"cipher '{s.cipher}' ({src} knows {', '.join(known)})",
                            [f"cipher = \"{known[0]}\"", "or use a newer NetBSD tree"])
        comp = os.path.join(str(tree_sys), "rump", "dev", "lib", f"lib{DRIVERS[s.kind][0]}",
                            f"{DRIVERS[s.kind][0]}_component.c")
        if not os.path.isfile(comp):
            continue
        nodes = {n for n in _DEVNODES.findall(open(comp, "rb").read().decode("latin-1")) if n.startswith(s.kind)}
        if nodes and s.device not in nodes:
            raise UserError(f"{state.path}:{s.line}: [[{s.kind}]] field 'device': this tree's rump {s.kind} "
                            f"component makes device nodes for {', '.join(sorted(nodes))} only, not {s.device} "
                            f"({comp})", [f"device = \"{sorted(nodes)[0]}\""])


def state_entries(session, state: State) -> list:
    """The components the state's drivers need, each followed by its link closure."""
    out = []
    for drv in state.drivers:
        name = DRIVERS[drv][0]
        entry = session.find_component(name)
        for e in session.closure(entry):
            if e not in out:
                out.append(e)
    return out


def prepare_images(state: State, init_from: str | None) -> list[str]:
    """With --init-from, make the host images that do not exist yet, sparse and large enough."""
    if not init_from:
        return []
    size = os.path.getsize(init_from)
    made = []
    for s in state.steps:
        disks = [s.disk] if s.kind == "cgd" else list(s.components)
        want = size if s.kind == "cgd" else size + RAID_MARGIN
        for d in disks:
            if d.path and not d.suffix and not os.path.exists(d.path):
                with open(d.path, "wb") as f:
                    f.truncate(want)
                made.append(d.path)
    return made


def state_environment(state: State, init_from: str | None = None) -> dict[str, str]:
    """What the program's state half reads at run time: RUMPBUILD_STATE_KEY<n> (hex key of the
    n-th step, cgd steps only) and, with --init-from, RUMPBUILD_STATE_INIT_FROM."""
    env = {f"RUMPBUILD_STATE_KEY{i}": s.key.hex() for i, s in enumerate(state.steps) if s.kind == "cgd"}
    if init_from:
        env["RUMPBUILD_STATE_INIT_FROM"] = os.path.abspath(init_from)
    return env


def _view(state: State) -> list[dict]:
    """The steps as the host template reads them, with the etfs key each host image gets."""
    steps = []
    for s in state.steps:
        v = dict(s.__dict__, kind=s.kind)
        disks = [s.disk] if s.kind == "cgd" else list(s.components)
        keys = [f"/dev/rumpbuild-{s.device}-disk"] if s.kind == "cgd" else [
            f"/dev/rumpbuild-{s.device}-c{n}" for n in range(len(s.components))]
        v["etfs"] = [dict(key=k, path=d.path, window=locate(d.path, d.suffix) if d.suffix else None)
                     for k, d in zip(keys, disks) if d.path]
        v["etfs_key"], v["etfs_keys"] = keys[0], keys
        steps.append(v)
    return steps


def state_objects(session, plan, state: State, workdir: str, run: bool = True) -> list:
    """The host half and the kernel half (rumpdev flags, renamed): compiled, their object files;
    with *run* False their ObjectTargets (rumpbuild.model.targets), for the caller to build."""
    from rumpbuild.backends.targets import run_in_session
    from rumpbuild.model.targets import host_object, kernel_object

    env = environment()
    env.filters.setdefault("c", c_literal)
    dev = next((l for l in plan.libraries if l.kind == "faction" and l.name == "rumpdev"), None)
    if dev is None:
        raise UserError("a state file needs librumpdev (cgd and raid are device drivers), and this tree "
                        "builds none", ["check that the tree has sys/rump/librump/rumpdev"])
    pre_headers = [h for drv in state.drivers for h in DRIVERS[drv][1]]
    headers = [h for drv in state.drivers for h in DRIVERS[drv][2]]
    ksrc = os.path.join(workdir, "state_kernel.c")
    write_atomic(ksrc, env.get_template("state_kernel.c.j2").render(
        state_file=state.path, drivers=state.drivers, pre_headers=pre_headers, headers=headers))
    kobj = kernel_object(dev, ksrc, os.path.join(workdir, "state_kernel.o"), f"the kernel half of {state.path}",
                         ["the tree's cgd/RAIDframe headers differ from the 2016 tree's: see "
                          "templates/state_kernel.c.j2"])
    m = state.mount
    hsrc = os.path.join(workdir, "state_host.c")
    steps = _view(state)
    write_atomic(hsrc, env.get_template("state_host.c.j2").render(
        state_file=state.path, drivers=state.drivers, steps=steps, images=state.images(),
        windows=any(e["window"] for v in steps for e in v["etfs"]),
        raid_margin=RAID_MARGIN,
        mount_device=m.device if m else "",
        mount_base=m.base_device if m else (state.steps[-1].device if state.steps else ""),
        mount_partition=m.partition if m else None))
    tc = session.toolchain
    hobj = host_object(tc, hsrc, os.path.join(workdir, "state_host.o"),
                       [os.path.join(session.outdir, "include"), session.tree.rump / "include"],
                       what=f"the host half of {state.path}")
    if not run:
        return [hobj, kobj]
    run_in_session(session, [hobj, kobj], builddir=workdir)
    return [hobj.out, kobj.out]
