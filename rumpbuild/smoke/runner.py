"""Build, link and run the smoke test of a file-system component.

Steps, each reported PASS/FAIL/SKIP: build (component, its link closure and
the rump kernel base), image (made with the host's real tools), link
(static; shared too where the program can run), then the program's own
steps (rump_init, mount, read, write, readback, unmount), and last `image`:
after unmount the host image file holds the bytes the rump kernel wrote.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import os
import re
import secrets
import shlex
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from rumpbuild.backends.targets import run_in_session
from rumpbuild.errors import UserError
from rumpbuild.fsutil import write_atomic
from rumpbuild.model.targets import host_object, kernel_object, program_plan
from rumpbuild.templates import render
from rumpbuild.testresult import SmokeResult, Step  # noqa: F401 (Step: API)
from rumpbuild.toolchain.data import qemu_sysroot

HERE = Path(__file__).resolve().parent
KNOWN_FILE = "HELLO.TXT"
KNOWN_TEXT = "Hello from the rumpbuild smoke test.\n"
NEW_FILE = "NEW.TXT"
PROGRAM_TIMEOUT = 300
_STEP = re.compile(r"^STEP (\S+) (PASS|FAIL|SKIP) ?(.*)$")


@dataclass
class Prebuilt:
    """A component that is not built from source: a converted kernel module (rumpbuild.kmod.convert)."""

    lib: str  # e.g. rumpfs_msdos
    fs_name: str  # the name its MODULE() registers (filesystems.toml key)
    archive: str  # lib<lib>.a linked instead of the component built from source
    extra_archives: list[str] = field(default_factory=list)  # stubs, libraries added for missing symbols
    entries: list = field(default_factory=list)  # scan entries to build and link after it (closure, base)
    no_pie: bool = True  # -mcmodel=kernel / non-PIC code: link -no-pie (prebuilt_link_flags), never shared


def smoke_data(name: str) -> dict:
    """A data file of this folder (filesystems.toml: facts per file system; images.toml: image recipes)."""
    with open(HERE / name, "rb") as f:
        return tomllib.load(f)


def fs_facts(fs_name: str) -> dict:
    table = smoke_data("filesystems.toml")
    if fs_name not in table:
        raise UserError(f"rumpbuild has no smoke-test facts for file system '{fs_name}'",
                        [f"add a [{fs_name}] table to {HERE / 'filesystems.toml'} (mount type, argument "
                         "header and struct, image recipe)"])
    return table[fs_name]


def missing_image_tool(recipe: str) -> tuple[str, str] | None:
    """(what is missing, the command that installs it) for images.toml's *recipe*, or None: its
    `tools` are programs on PATH (Debian packages), its `modules` Python modules (PyPI packages)."""
    spec = smoke_data("images.toml")[recipe]
    for tool, package in spec.get("tools", {}).items():
        if not shutil.which(tool):
            return f"'{tool}'", f"apt-get install {package}"
    for module, package in spec.get("modules", {}).items():
        if importlib.util.find_spec(module) is None:
            return f"the Python module '{module}'", f"{sys.executable} -m pip install {package}"
    return None


def make_image(recipe: str, workdir: str, endian: str = "little") -> str:
    """Make a test image holding HELLO.TXT with the host's tools (*endian*: the target's, for {endian})."""
    spec = smoke_data("images.toml")[recipe]
    lacking = missing_image_tool(recipe)
    if lacking:
        what, install = lacking
        raise UserError(f"making the {recipe} test image needs {what}, which is not installed",
                        [install, "or pass an image of your own with --image FILE"])
    content = os.path.join(workdir, "image-content")
    shutil.rmtree(content, ignore_errors=True)
    os.makedirs(content)
    Path(content, KNOWN_FILE).write_text(KNOWN_TEXT)
    image = os.path.join(workdir, f"{recipe}.img")
    tmp = image + ".tmp"
    if os.path.exists(tmp):
        os.unlink(tmp)
    for cmd in spec["commands"]:
        line = cmd.format(image=shlex.quote(tmp), dir=shlex.quote(content), python=shlex.quote(sys.executable),
                          endian=endian)
        p = subprocess.run(["/bin/sh", "-c", line], capture_output=True, text=True)
        if p.returncode != 0:
            raise UserError(f"making the test image failed: {line}\n{p.stderr.strip()}",
                            ["pass an image of your own with --image FILE"])
    os.replace(tmp, image)
    return image


def vfs_plan(plan):
    """librumpvfs's plan: rump kernel code rumpbuild generates compiles with its flags."""
    vfs = next((l for l in plan.libraries if l.kind == "faction" and l.name == "rumpvfs"), None)
    if vfs is None:
        raise UserError("a file-system program needs librumpvfs, and this tree builds none")
    return vfs


def mountargs_source(fs_name: str, facts: dict, func: str = "rumpbuild_mountargs") -> str:
    """The C of *func*, which fills the tree's mount-argument struct of *fs_name* from its facts."""
    return render("mountargs.c.j2", fs=fs_name, header=facts["header"], struct=facts["struct"],
                  init=facts.get("init", []), pre_headers=facts.get("pre_headers", []), func=func,
                  floppy=bool(facts.get("floppy")) and func == "rumpbuild_mountargs")


def mountargs_target(plan, fs_name: str, facts: dict, workdir: str, func: str = "rumpbuild_mountargs"):
    """The mount-argument helper as rump kernel code (rumpvfs's flags, renamed): an ObjectTarget.

    Shared by the smoke test and `rumpbuild util`: both fill the tree's own
    mount-argument struct from filesystems.toml's data.  *func* names the
    function (a layered file system's test also links its lower tmpfs's).
    Writes the C source into *workdir*.
    """
    stem = "mountargs" if func == "rumpbuild_mountargs" else func.removeprefix("rumpbuild_")
    src = os.path.join(workdir, f"{stem}.c")
    write_atomic(src, mountargs_source(fs_name, facts, func))
    return kernel_object(vfs_plan(plan), src, os.path.join(workdir, f"{stem}.o"),
                         f"the {fs_name} mount arguments",
                         [f"check header/struct/init of [{fs_name}] in {HERE / 'filesystems.toml'}"])


def mountargs_object(session, plan, fs_name: str, facts: dict, workdir: str,
                     func: str = "rumpbuild_mountargs") -> str:
    """Compile the mount-argument helper (mountargs_target); the object's path."""
    target = mountargs_target(plan, fs_name, facts, workdir, func)
    run_in_session(session, [target], builddir=workdir)
    return target.out


def closure_with_base(session, entry) -> list:
    """*entry*'s link closure followed by the rump kernel base (rumpvfs, rumpkern, rumpuser)."""
    closure = session.closure(entry)
    add_base(session, closure)
    return closure


def add_base(session, closure: list) -> None:
    for base in ("rumpvfs", "rumpkern", "rumpuser"):
        b = session.find_base(base)
        if b is not None and b not in closure:
            closure.append(b)


def fs_name_of(entry) -> str:
    """The name the component's MODULE() registers (filesystems.toml key), else its folder name."""
    from rumpbuild.model.closure import module_info

    names, _req = module_info(entry)
    return sorted(names)[0] if names else entry.name


def program_target(session, plan_libs, objs, out, shared: bool, prebuilt: Prebuilt | None = None,
                   extra_archives=(), extra_libs=()):
    """A program linked with the rump libraries (whole archives unless *shared*): a ProgramPlan.
    *objs*: ObjectTargets compiled for it, or paths of objects made already; *extra_libs* go last."""
    targets = tuple(o for o in objs if not isinstance(o, str))
    made = tuple(o for o in objs if isinstance(o, str))
    pre = [prebuilt.archive] + list(prebuilt.extra_archives) if prebuilt else list(extra_archives)
    p = program_plan(session.toolchain, out, targets, plan_libs, shared=shared, libdir=session.outdir,
                     pre_archives=pre, no_pie=bool(prebuilt and prebuilt.no_pie), extra_libs=extra_libs)
    return dataclasses.replace(p, inputs=made + p.inputs) if made else p


LOWER_FS = "tmpfs"  # the lower layer of layered file systems: no image, in every tree


def facts_args(facts: dict) -> list[str]:
    """rumptest.c's options for the facts of file systems without an image (see filesystems.toml).

    Layered file systems: tmpfs's mounted first (-T), the known file put in
    one (-s) and read back through the layer, and after the unmount the new
    file in the layer it belongs to (-c) and not in the other (-a).
    Image-less ones: the root's listing (-d), after opening a device that
    adds to it (-O), and a file the kernel fills, read with its known start
    (-r -e -b).
    """
    args = []
    for folder in facts.get("lower", []):
        args += ["-T", folder]
    if facts.get("seed"):
        args += ["-s", facts["seed"], "-r", KNOWN_FILE, "-e", KNOWN_TEXT]
    if facts.get("lands_in"):
        args += ["-c", facts["lands_in"]]
    if facts.get("not_in"):
        args += ["-a", facts["not_in"]]
    if facts.get("open"):
        args += ["-O", facts["open"]]
    if facts.get("device_dir"):
        args += ["-D", facts["device_dir"]]
    if facts.get("sector_anchor"):
        args += ["-A", str(facts["sector_anchor"])]
    if facts.get("root_lists"):
        args += ["-d", ",".join(facts["root_lists"])]
    if facts.get("known_file"):
        args += ["-r", facts["known_file"], "-e", facts["known_start"], "-b"]
    return args


def needs_tmpfs(facts: dict) -> bool:
    """Whether the test mounts tmpfs's of its own (lower layers, a folder for the device node)."""
    return bool(facts.get("lower") or facts.get("device_dir"))


def extra_entries(session, facts: dict) -> list:
    """Components the test links beyond the closure: the lower tmpfs of a layered file
    system, and `with` (what the kernel needs and no MODULE() records: ptyfs's tty layer)."""
    names = list(facts.get("with", [])) + ([LOWER_FS] if needs_tmpfs(facts) else [])
    out = []
    for name in names:
        try:
            entries = session.closure(session.find_component(name))
        except UserError as exc:
            raise UserError(f"this file system's smoke test links {name}, and this tree cannot build it: "
                            f"{exc.message}", ["`rumpbuild scan` lists the tree's components"]) from None
        out += [e for e in entries if e not in out]
    return out


def run_smoke(session, entry, image: str | None = None, shared: bool | None = None,
              prebuilt: Prebuilt | None = None, extra_archives=(), partition: str | None = None,
              on_step=None, state=None, init_from: str | None = None, facts: dict | None = None) -> SmokeResult:
    """Smoke-test *entry* built from source, or with *prebuilt* (entry may then be None) its archive.

    *state* (rumpbuild.state.State): configure its cgd/RAID devices before the
    mount and mount its [mount] device; *init_from* (a path, or "made" for the
    image made here) is first written through them (rumpbuild.state.kernel).
    A prebuilt component is linked first, with its extra archives, then the
    libraries of ``prebuilt.entries`` (built here); one variant, "no-pie"
    (:func:`prebuilt_link_flags`), never shared.  *facts* replaces the
    file system's filesystems.toml table (tests of the driver itself).
    """
    tc = session.toolchain
    if tc.program_problem:
        from rumpbuild.toolchain import alternatives

        others = alternatives(session.target, exclude=(tc.name,), programs=True)
        if tc.link_problem:
            raise UserError(f"the smoke test links and runs a program, and {tc.name} cannot link for "
                            f"{session.target.name}: {tc.link_problem}",
                            others + [f"`rumpbuild doctor --arch {session.target.machine_arch}` shows which "
                                      "toolchains link for this arch"])
        # a known crash may be the tree's or the toolchain version's: run, but say what to try
        print(f"rumpbuild: note: {tc.name}'s table records for {session.target.machine_arch}: {tc.run_problem}"
              + (f"; if this test fails, try {' or '.join(others)}" if others else ""), file=sys.stderr)
    if prebuilt is not None:
        res = SmokeResult(prebuilt.lib, session.target.name, on_step=on_step)
        fs_name = prebuilt.fs_name
        closure = list(prebuilt.entries)
        shared = False
    else:
        res = SmokeResult(entry.lib, session.target.name, on_step=on_step)
        fs_name = fs_name_of(entry)
        closure = session.closure(entry)
    facts = facts if facts is not None else fs_facts(fs_name)
    if facts.get("driver") == "zfs" and prebuilt is None:  # pools, not a mount of a host-made image
        from rumpbuild.zfs.names import parse_size
        from rumpbuild.zfs.roundtrip import run_zfs_test

        return run_zfs_test(session, entry, parse_size(facts.get("pool_size", "256M")))
    if facts.get("no_image") and not image:
        raise UserError(f"the {fs_name} smoke test has no image: {facts['no_image']}",
                        [f"make one on NetBSD (newfs_{fs_name}) and pass it: rumpbuild test {fs_name} --image FILE"])
    if facts.get("stubs") and not extra_archives and prebuilt is None:
        raise UserError(f"the {fs_name} smoke test links only with stubs: {facts['stubs']}",
                        [f"rumpbuild test {fs_name} --stubs"])
    if state is not None:
        from rumpbuild.state.kernel import state_entries

        closure += [e for e in state_entries(session, state) if e not in closure]
    closure += [e for e in extra_entries(session, facts) if e not in closure]
    add_base(session, closure)
    plan = session.build(closure, shared=prebuilt is None)
    res.add("build", "PASS", f"{len(plan.libraries)} libraries: " + " ".join(l.lib for l in plan.libraries)
            + (f" + prebuilt {os.path.basename(prebuilt.archive)}" if prebuilt else ""))
    by_lib = {l.lib: l for l in plan.libraries}
    link_libs = [by_lib[e.lib] for e in closure if e.lib in by_lib]

    workdir = os.path.join(session.outdir, "smoke", res.component + ("-prebuilt" if prebuilt else ""))
    os.makedirs(workdir, exist_ok=True)
    key = hostimage = None
    if state is not None and (image or init_from != "made"):
        pass  # the state file names the images: nothing to make or copy
    elif facts.get("image") or image:
        if image:
            base, sep, part = image.partition("%")  # disk.img%DISKLABEL:f%
            if not os.path.isfile(base):
                raise UserError(f"--image '{base}' does not exist")
            copy = os.path.join(workdir, "user-" + os.path.basename(base))
            shutil.copyfile(base, copy)
            hostimage = copy + (sep + part if sep else "")
            res.add("image", "PASS", f"copy of {base}" + (f" (partition {sep}{part})" if sep else ""))
        else:
            hostimage = make_image(facts["image"], workdir, session.target.endian)
            res.add("image", "PASS", f"made {os.path.basename(hostimage)} with the host's tools")
            if partition:
                from rumpbuild.smoke.disklabel import wrap

                hostimage = wrap(hostimage, os.path.join(workdir, "disk.img"), partition)
                res.add("disklabel", "PASS", f"image in partition {partition} of disk.img: {os.path.basename(hostimage)}")
        key = "/dev/rumpbuild-img"
    elif facts.get("key"):
        key = facts["key"]  # a layer's target folder: the fspec, with no image behind it
    if state is not None:
        key = None  # the mount device comes from rumpbuild_state_up()

    helpers = [mountargs_target(plan, fs_name, facts, workdir)]
    if needs_tmpfs(facts):  # the program mounts tmpfs's of its own: their arguments too
        helpers.append(mountargs_target(plan, LOWER_FS, fs_facts(LOWER_FS), workdir,
                                        func="rumpbuild_tmpfs_mountargs"))
    state_objs, state_env = [], None
    if state is not None:
        from rumpbuild.state.kernel import prepare_images, state_environment, state_objects

        init_from = hostimage if init_from == "made" else init_from
        made = prepare_images(state, init_from)
        res.add("state", "PASS", f"{len(state.steps)} step(s) from {state.path}"
                + (f"; made {', '.join(map(os.path.basename, made))}" if made else ""))
        state_objs = state_objects(session, plan, state, workdir, run=False)
        state_env = dict(os.environ, **state_environment(state, init_from))
    run_in_session(session, helpers + state_objs, builddir=workdir)  # failures: UserError, as before
    tc = session.toolchain
    prog = host_object(tc, str(HERE / "rumptest.c"), os.path.join(workdir, "rumptest.o"),
                       [os.path.join(session.outdir, "include"), session.tree.rump / "include"])
    ran = run_in_session(session, [prog], builddir=workdir, check=False)[prog.out]
    if not ran.ok:
        res.add("link", "FAIL", "compiling rumptest.c: " + ran.output.strip()[-1500:])
        return res

    variants = ["static"] if prebuilt is None else ["no-pie"]
    if shared is None:  # a dynamic program runs natively, or under qemu with the target's sysroot
        shared = tc.libc == "glibc" and (not tc.run_prefix(static=False)
                                         or os.path.isdir(qemu_sysroot(session.target) or "/nonexistent"))
    if shared:
        variants.append("shared")
    seed = secrets.token_hex(6)
    programs = {v: program_target(session, link_libs, [prog, *helpers] + state_objs,
                                  os.path.join(workdir, f"rumptest-{v}"), v == "shared",
                                  prebuilt if v == "no-pie" else None, extra_archives) for v in variants}
    linked = run_in_session(session, list(programs.values()), builddir=workdir, check=False)
    for variant in variants:
        exe = programs[variant].out
        lp = linked[exe]
        if not lp.ok:
            res.add("link", "FAIL", lp.output.strip()[-1500:], variant)
            continue
        res.add("link", "PASS", os.path.relpath(exe, session.outdir), variant)
        # a state file's images persist between runs: a new name each time (not every kernel truncates)
        new_file = NEW_FILE if state is None else f"N{seed[:5]}{variants.index(variant)}.TXT"
        args = ["-t", facts["mount_type"], "-m", "/mnt", "-w", new_file, "-p", seed + variant]
        variant_image = None
        if key and not hostimage:
            args += ["-k", key]
        elif key:
            # each variant writes into its own copy: the next must not find NEW.TXT there already
            base, sep, part = hostimage.partition("%")
            root, ext = os.path.splitext(base)
            copy = f"{root}-{variant}{ext}"
            shutil.copyfile(base, copy)
            variant_image = copy + (sep + part if sep else "")
            args += ["-k", key, "-i", variant_image]
            if not image and smoke_data("images.toml")[facts["image"]].get("known_file", True):
                args += ["-r", KNOWN_FILE, "-e", KNOWN_TEXT]
        elif state is not None and init_from == hostimage and hostimage:
            args += ["-r", KNOWN_FILE, "-e", KNOWN_TEXT]  # the made image went in through the state
        args += facts_args(facts)
        if facts.get("readonly"):
            args += ["-o"]
        static = variant in ("static", "no-pie") and tc.libc != "glibc"  # static libc: no qemu sysroot
        run = tc.run_prefix(static=static) + [exe] + args
        try:
            rp = subprocess.run(run, capture_output=True, text=True, timeout=PROGRAM_TIMEOUT, cwd=workdir,
                                env=state_env)
        except subprocess.TimeoutExpired:
            res.add("run", "FAIL", f"no answer in {PROGRAM_TIMEOUT} s: {shlex.join(run)}", variant)
            continue
        seen = 0
        for line in rp.stdout.splitlines():
            m = _STEP.match(line)
            if m:
                seen += 1
                res.add(m.group(1), m.group(2), m.group(3), variant)
        if rp.returncode != 0 and not any(s.status == "FAIL" for s in res.steps if s.variant == variant):
            res.add("run", "FAIL", f"exit status {rp.returncode}: {(rp.stderr or rp.stdout).strip()[-800:]}",
                    variant)
        if not seen:
            res.add("run", "FAIL", f"the program printed no steps: {(rp.stderr or rp.stdout).strip()[-800:]}",
                    variant)
            continue
        if state is not None:
            from rumpbuild.state.smoke import WRONG_KEY_HINT, hostimage_check

            for s in res.steps:
                if s.variant == variant and s.name == "mount" and s.status == "FAIL" and \
                        any(st.kind == "cgd" for st in state.steps):
                    s.detail += WRONG_KEY_HINT
            if any(s.variant == variant and s.name == "readback" and s.status == "PASS" for s in res.steps):
                needles = [f"rumpbuild {seed + variant} line 00000\n".encode(), KNOWN_TEXT.encode()]
                res.add("hostimage", *hostimage_check(state, needles), variant)
        if variant_image and not facts.get("readonly"):
            base = variant_image.partition("%")[0]
            needle = f"rumpbuild {seed + variant} line 00000\n".encode()
            found = needle in Path(base).read_bytes()
            res.add("hostimage", "PASS" if found else "FAIL",
                    "the host image holds the new file's data" if found else
                    "the new file's data is not in the host image after unmount", variant)
    return res
