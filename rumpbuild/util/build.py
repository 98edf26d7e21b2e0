"""Build `<out>/bin/rump_<fs>`: rump_util.c for one file system, linked with its rump libraries.

Three objects: the host program (rump_util.c, -D settings for the file
system and for the calls this tree's rump kernel has), its kernel-side
helper (util_kernel.c.j2: stat/getdents/statvfs/utimensat in rbu_abi.h's
fixed-width structures) and the mount-argument helper the smoke test uses
too; all linked statically with the closure (whole archives).

The smoke facts beyond the image count here as in `rumpbuild test`: `with`
components join the closure (ptyfs: the tty layer), `device_dir` links
tmpfs and its mount arguments too (nilfs mounts through a device node on a
tmpfs: rbu_devnode.h), `stubs` links only with --stubs, and a layered file
system (`lower`) has no utility (refuse_layered).

With a state file (``rumpbuild util NAME --state FILE``) the state is baked
in: its drivers' components join the closure, its two halves
(rumpbuild.state.kernel) join the objects, and the program is
``rump_<fs>-<state file stem>``, which takes no IMAGE: the state names its
images.  Keys are not baked in: the program reads the key files at run time.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from rumpbuild import __version__
from rumpbuild.errors import UserError
from rumpbuild.fsutil import write_atomic
from rumpbuild.backends.targets import run_in_session
from rumpbuild.model.targets import host_object, kernel_object
from rumpbuild.smoke.runner import (LOWER_FS, Prebuilt, add_base, closure_with_base, extra_entries, fs_facts,
                                    fs_name_of, mountargs_target, needs_tmpfs, program_target, smoke_data,
                                    vfs_plan)
from rumpbuild.templates import render
from rumpbuild.zfs import util as zfs_util

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "rump_util.c"
ABI_HEADER = HERE / "rbu_abi.h"
BIO_SOURCE = HERE / "rbu_bio.c"  # rumpuser_bio in the calling thread (linked with --wrap)
PAGER_SOURCE = HERE / "rbu_pager.c"  # pager windows without a read's needless copies (kernel side, --wrap)
PAGER_CALLS = ("uvm_pagermapin", "uvm_pagermapout", "uvm_pageratop")

# Calls the host program makes directly (scalar arguments only): RBU_HAVE_<NAME>=1 where the tree has them.
DIRECT_CALLS = ("unlink", "rmdir", "rename", "symlink", "readlink", "chmod", "lchown", "truncate",
                "ftruncate", "pread", "pwrite", "sync")
# Calls the kernel-side helper makes with the kernel's structures, by their __sysimpl symbol.
STRUCT_CALLS = ("stat", "lstat", "getdents", "statvfs1", "utimensat")


@dataclass
class UtilResult:
    program: str  # <out>/bin/rump_<fs>
    fs_name: str
    fuse: bool
    fuse_why_not: str  # why there is no FUSE face ("" when there is)
    run_prefix: list[str]  # how to run it on this host ([] natively, qemu-… otherwise)
    libraries: list[str]
    missing_calls: list[str]  # calls this tree's rump kernel lacks (commands using them fail cleanly)
    needs_image: bool  # False for tmpfs: the file system lives in memory
    state_file: str = ""  # the state file baked in ("" without --state)


def rump_calls(tree) -> dict[str, str]:
    """{call: symbol} for the rump_sys_* calls the tree's rump_syscalls.h declares.

    NetBSD's header renames versioned calls (``#define RUMP_SYS_RENAME_STAT
    rump___sysimpl_stat50``); the example tree's declares plain names.
    """
    header = tree.rump / "include" / "rump" / "rump_syscalls.h"
    try:
        text = header.read_text(errors="replace")
    except OSError as e:
        raise UserError(f"cannot read {header}: {e.strerror}", ["--src must name a NetBSD tree with sys/rump"])
    calls = {m.group(1).lower(): m.group(2) for m in re.finditer(r"#define\s+RUMP_SYS_RENAME_(\w+)\s+(\w+)", text)}
    for m in re.finditer(r"\brump_sys_(\w+)\s*\(", text):
        calls.setdefault(m.group(1), "rump_sys_" + m.group(1))
    return calls


def has_etfs_withsize(tree) -> bool:
    inc = tree.rump / "include" / "rump"
    return any("rump_pub_etfs_register_withsize" in p.read_text(errors="replace")
               for p in (inc / "rump.h", inc / "rumpkern_if_pub.h") if p.is_file())


def has_lwproc(tree) -> bool:
    """A rump kernel that binds host threads to lwps (NetBSD's; the example tree's is single-threaded)."""
    inc = tree.rump / "include" / "rump"
    return any("rump_pub_lwproc_newlwp" in p.read_text(errors="replace")
               for p in (inc / "rump.h", inc / "rumpkern_if_pub.h") if p.is_file())


def own_bio(tree) -> bool:
    """True where the utility's rumpuser_bio (rbu_bio.c) fits: the tree's librumpuser has an
    I/O thread (rumpuser_bio.c) and the upcalls it releases the virtual CPU with."""
    hdr = tree.rump / "include" / "rump" / "rumpuser.h"
    return ((tree.root / "lib" / "librumpuser" / "rumpuser_bio.c").is_file() and hdr.is_file()
            and "hyp_backend_schedule" in hdr.read_text(errors="replace"))


def own_pager(tree) -> bool:
    """True where rbu_pager.c fits: the tree's rump vm.c makes pager windows by copying each page's
    storage (vm_page.uanon) in and out, and genfs_getpages fills or zeroes every PG_FAKE page it
    reads into (so a read window need not copy those in, and rbu_bio.c may read into the pages)."""
    try:
        vm = (tree.sys / "rump" / "librump" / "rumpkern" / "vm.c").read_text(errors="replace")
        genfs = (tree.sys / "miscfs" / "genfs" / "genfs_io.c").read_text(errors="replace")
    except OSError:
        return False
    return (all(f"\n{call}(" in vm for call in PAGER_CALLS) and "memcpy((void*)curkva, pgs[i]->uanon, PAGE_SIZE)" in vm
            and "pgr_read" in vm and "while ((pgs[pidx]->flags & PG_FAKE) == 0)" in genfs)


def image_backed(facts: dict) -> bool:
    """Whether the file system lives on an image (a recipe in images.toml, or `no_image`: none can be made)."""
    return bool(facts.get("image") or facts.get("no_image"))


def refuse_layered(name: str) -> None:
    """A layered file system (facts with `lower`) has no rump_<fs>: say why, before anything is built.

    It serves a folder of another mount (null, umap, overlay) or stacks two
    (union), and owns no image: a utility for it would need a second file
    system's component to mount underneath, and over rump_<fs>'s own
    tmpfs it would show an empty folder.  By name, so the example tree,
    which has no layered component, says the same.
    """
    fs = name.removeprefix("librumpfs_").removeprefix("rumpfs_")
    facts = smoke_data("filesystems.toml").get(fs, {})
    if facts.get("lower"):
        raise UserError(f"{fs} is a layered file system: it serves folders of another mount and has no image "
                        f"of its own, so there is no rump_{fs}",
                        [f"`rumpbuild test {fs}` proves it, mounted over tmpfs's",
                         "to look into an image, build the utility of the image's file system "
                         "(rumpbuild util ffs, ext2fs, msdos, ...)"])


def fuse_flags(session) -> tuple[list[str], list[str], str]:
    """(cflags, libs, why-not) for libfuse3: only for a native glibc build where pkg-config finds it."""
    tc = session.toolchain
    if tc.libc != "glibc":
        return [], [], f"the {tc.name} toolchain links {tc.libc} programs, and libfuse3 is a glibc library here"
    if tc.run_prefix(static=False):
        return [], [], f"a cross build ({session.target.name}) has no libfuse3 for its target"
    if not shutil.which("pkg-config"):
        return [], [], "pkg-config is not installed (apt-get install pkg-config libfuse3-dev)"
    p = subprocess.run(["pkg-config", "--cflags", "--libs", "fuse3"], capture_output=True, text=True)
    if p.returncode != 0:
        return [], [], "libfuse3 is not installed (apt-get install libfuse3-dev fuse3)"
    flags = shlex.split(p.stdout)
    return [f for f in flags if not f.startswith(("-l", "-L"))], [f for f in flags if f.startswith(("-l", "-L"))], ""


def _kernel_helper(session, plan, fs_name: str, calls: dict, workdir: str) -> tuple[object, list[str]]:
    """The kernel side's ObjectTarget (rumpvfs's flags, renamed) and the struct calls the tree lacks."""
    have = {c: calls.get(c, "") for c in STRUCT_CALLS}  # "" where the tree lacks the call
    missing = [c for c in STRUCT_CALLS if not have[c]]
    src = os.path.join(workdir, "util_kernel.c")
    # flush-behind needs the kernel's own VOP_PUTPAGES (a real NetBSD tree's uvm)
    flush = (session.tree.sys / "uvm" / "uvm_pager.h").is_file()
    write_atomic(src, render("util_kernel.c.j2", fs=fs_name, have=have, missing=missing, flush=flush,
                             abi_header=str(ABI_HEADER)))
    obj = kernel_object(vfs_plan(plan), src, os.path.join(workdir, "util_kernel.o"),
                        f"the kernel side of rump_{fs_name}",
                        [f"the generated source is {src}; report the error with the tree's version"])
    return obj, missing


def build_util(session, entry=None, prebuilt: Prebuilt | None = None, extra_archives=(),
               progress=None, state=None) -> UtilResult:
    """Build the component (or use *prebuilt*), its closure and the base; compile and link rump_<fs>
    (with *state*, a validated rumpbuild.state.State: rump_<fs>-<stem> with the state baked in)."""
    tc = session.toolchain
    if tc.link_problem:
        raise UserError(f"rump_<fs> is a program, and {tc.name} cannot link for {session.target.name}: "
                        f"{tc.link_problem}", ["`rumpbuild doctor` shows which toolchains link for which arch"])
    if prebuilt is not None:
        fs_name, closure = prebuilt.fs_name, list(prebuilt.entries)
        add_base(session, closure)
    else:
        fs_name, closure = fs_name_of(entry), closure_with_base(session, entry)
    refuse_layered(fs_name)
    facts = fs_facts(fs_name)
    if facts.get("stubs") and not extra_archives and prebuilt is None:  # as `rumpbuild test` says it
        raise UserError(f"rump_{fs_name} links only with stubs: {facts['stubs']}",
                        [f"rumpbuild util {fs_name} --stubs"])
    if state is not None:
        from rumpbuild.state.kernel import state_entries

        closure += [e for e in state_entries(session, state) if e not in closure]
    # `with` (ptyfs's tty layer) and the tmpfs a device node lives on (nilfs's device_dir)
    closure += [e for e in extra_entries(session, facts) if e not in closure]
    plan = session.build(closure, shared=False, progress=progress)
    by_lib = {l.lib: l for l in plan.libraries}
    link_libs = [by_lib[e.lib] for e in closure if e.lib in by_lib]

    suffix = f"-{Path(state.path).stem}" if state is not None else ""
    workdir = os.path.join(session.outdir, "util", fs_name + suffix)
    bindir = os.path.join(session.outdir, "bin")
    os.makedirs(workdir, exist_ok=True)
    os.makedirs(bindir, exist_ok=True)
    calls = rump_calls(session.tree)
    zfs = zfs_util.is_zfs(fs_name)  # rump_zfs: the zfs helper makes the mount arguments (rumpbuild/zfs/util.py)
    mountargs, zfs_flags = zfs_util.zfs_objects(session, plan, workdir, entry.lib if entry else zfs_util.ZFS_LIB) \
        if zfs else ([mountargs_target(plan, fs_name, facts, workdir)], [])
    if needs_tmpfs(facts):  # device_dir: the tmpfs the device node is made on
        mountargs.append(mountargs_target(plan, LOWER_FS, fs_facts(LOWER_FS), workdir,
                                          func="rumpbuild_tmpfs_mountargs"))
    kernel_obj, missing = _kernel_helper(session, plan, fs_name, calls, workdir)
    fuse_cflags, fuse_libs, why_not = fuse_flags(session)
    lacking = [c for c in ("stat", "lstat", "getdents") if c not in calls]
    if not why_not and lacking:  # a FUSE mount answers getattr and readdir with them
        fuse_cflags, fuse_libs, why_not = [], [], f"this tree's rump kernel has no {', '.join(lacking)}"

    defines = {
        "RBU_FS": f'"{fs_name}"', "RBU_MOUNT_TYPE": f'"{facts["mount_type"]}"',
        "RBU_READONLY": "1" if facts.get("readonly") else "0",
        # an image recipe, or none because no host tool makes one (lfs): either way an IMAGE operand;
        # rump_zfs reads its operands itself
        "RBU_NEEDS_IMAGE": "1" if image_backed(facts) else "0",
        "RBU_DEVICE_DIR": _c_string(facts.get("device_dir", "")),
        "RBU_SECTOR_ANCHOR": str(int(facts.get("sector_anchor", 0))),  # udf: the image's sector size (rbu_sector.h)
        # --stubs (or a converted kmod's stubs): a stub's panic is reported in one line, not an abort
        "RBU_STUBS": "1" if extra_archives or (prebuilt and prebuilt.extra_archives) else "0",
        "RBU_STUBS_WHY": _c_string(facts.get("stubs", "") or "`rumpbuild component NAME --stubs` lists them"),
        "RBU_FUSE": "0" if why_not else "1",
        "RBU_NOFUSE_WHY": '"' + why_not.replace('"', "'").replace("\\", "/") + '"',
        "RBU_VERSION": f'"(rumpbuild {__version__}, {session.target.name}, tree {session.tree.root})"',
        "RBU_HAVE_ETFS_WITHSIZE": "1" if has_etfs_withsize(session.tree) else "0",
        # threads bound to lwps of their own; not rump_zfs: with bound threads the 2016 zfs
        # answered ENOSPC to 128 KiB writes on an empty pool (cp into the FUSE mount, put)
        "RBU_HAVE_LWPROC": "1" if has_lwproc(session.tree) and not zfs else "0",
        "RBU_OWN_BIO": "1" if own_bio(session.tree) else "0",
        "RBU_STATE": "1" if state is not None else "0",
        "RBU_STATE_FILE": _c_string(os.path.abspath(state.path)) if state is not None else '""',
    }
    for call in DIRECT_CALLS:
        defines[f"RBU_HAVE_{call.upper()}"] = "1" if call in calls else "0"
    missing += [c for c in DIRECT_CALLS if c not in calls]
    inc = [f"-I{os.path.join(session.outdir, 'include')}", f"-I{session.tree.rump / 'include'}", f"-I{HERE}"]
    obj = host_object(tc, str(SOURCE), os.path.join(workdir, "rump_util.o"),
                      flags=[f"-D{k}={v}" for k, v in defines.items()] + inc + (zfs_util.cflags() if zfs else [])
                      + fuse_cflags, opt="-O2", what=f"{SOURCE.name} for {session.target.name}")
    program = os.path.join(bindir, f"rump_{fs_name}{suffix}")
    objs = [obj, kernel_obj, *mountargs]
    link_extra = list(fuse_libs) + zfs_flags
    if own_bio(session.tree):
        # no reads into the pages themselves under a state's block layers: cgd decrypts in the window
        readv = [f"-DRBU_PAGER_READV={0 if state is not None else 1}"]
        objs.append(host_object(tc, str(BIO_SOURCE), os.path.join(workdir, "rbu_bio.o"), flags=inc + readv, opt="-O2",
                                what=f"{BIO_SOURCE.name} for {session.target.name}"))
        link_extra.append("-Wl,--wrap=rumpuser_bio")  # the kernel's calls reach rbu_bio.c
    if own_pager(session.tree) and not zfs:  # not proven for zfs, whose pages are its own
        objs.append(kernel_object(vfs_plan(plan), str(PAGER_SOURCE), os.path.join(workdir, "rbu_pager.o"),
                                  f"{PAGER_SOURCE.name}, the pager windows of rump_{fs_name}",
                                  ["report the error with the tree's version"]))
        link_extra.append("-Wl," + ",".join(f"--wrap=rumpns_{call}" for call in PAGER_CALLS))
    if state is not None:
        from rumpbuild.state.kernel import state_objects

        objs += state_objects(session, plan, state, workdir, run=False)
    link = program_target(session, link_libs, objs, program, False, prebuilt, extra_archives, link_extra)
    run_in_session(session, [dataclasses.replace(
        link, what=f"rump_{fs_name}", hints=("--stubs links stubs for kernel functions no rump library defines",))],
        builddir=workdir)
    static = tc.libc != "glibc"
    return UtilResult(program, fs_name, not why_not, why_not, tc.run_prefix(static=static),
                      [l.lib for l in link_libs], missing, image_backed(facts) or zfs,
                      os.path.abspath(state.path) if state is not None else "")


def _c_string(value: str) -> str:
    """A -D value that is a C string literal (the command line is not a shell: no quoting)."""
    from rumpbuild.state.kernel import c_literal

    return c_literal(value)
