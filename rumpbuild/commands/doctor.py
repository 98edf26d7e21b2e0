"""`rumpbuild doctor`: which toolchains work for which arch, and which tools are installed.

Each toolchain × arch is proved by compiling and linking a tiny program (the
probes are cached on disk, keyed by the compiler binary and its mtime); what
a toolchain's own table records as broken for the arch (``cannot_link``,
``crashes`` in ``rumpbuild/toolchain/<name>.toml``) is shown beside it.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from rumpbuild.arch import Target, all_targets, resolve
from rumpbuild.commands import Command
from rumpbuild.errors import UserError
from rumpbuild.toolchain import TOOLCHAINS, cache_path, custom_toolchain, plugin, prove_link
from rumpbuild.toolchain.data import entry, qemu_sysroot

# (tool, required?, what rumpbuild uses it for)
TOOLS = (
    ("scons", True, "runs the generated SCons builds (as `python -m SCons`: the module, not a program on PATH)"),
    ("bmake", False, "runs the generated Makefiles; cross-checks the mk evaluator"),
    ("objcopy", False, "tests: reference for symbol renaming"),
    ("nm", False, "tests: reference symbol lists"),
    ("makefs", False, "images: FFS (and cd9660) images"),
    ("mkfs.vfat", False, "images: FAT images"),
    ("mke2fs", False, "images: ext2 images"),
    ("mcopy", False, "images: files into FAT images"),
    ("cpio", False, "images: cpio archives"),
)


def _check(target: Target, name: str, environ) -> dict:
    row = {"arch": target.name, "toolchain": name, "works": False, "reason": None, "version": None,
           "active_cc": None, "libc": None, "static_ok": None, "cc": None, "ar": None, "links": None,
           "link_error": None, "link_problem": None, "run_problem": None, "programs": False, "stale": None}
    try:
        if name == "custom":
            tc = custom_toolchain(target, environ)
        else:
            mod = plugin(name)
            reason = mod.exists(target)
            if reason is not None:
                row["reason"] = reason
                return row
            tc = mod.generate(target)
    except UserError as exc:
        row["reason"] = exc.message
        return row
    links, why = prove_link(tc)   # compiles and links the tiny program as builds link programs
    known = (entry(name, target) or {}) if name != "custom" else {}
    link_problem = tc.link_problem or (f"a test program does not link: {why}" if links is False else "")
    row.update(works=True, version=tc.version_str, active_cc=tc.active_cc, libc=tc.libc,
               static_ok=tc.static_ok and links is not False, cc=list(tc.cc), ar=list(tc.ar), links=links,
               link_error=why or None, link_problem=link_problem or None, run_problem=tc.run_problem or None,
               programs=not (link_problem or tc.run_problem) and links is not False)
    if links and known.get("cannot_link"):
        row["stale"] = (f"the test program links, but {name}.toml records that rump code does not "
                        f"({known['cannot_link']}); if a build with {name} now links lib*.so, the entry "
                        f"is out of date")
    return row


# tools rumpbuild runs as a module of its own Python (sys.executable -m ...), so a venv that is
# not activated still has them: the module's file is what counts, not a program on PATH
MODULES = {"scons": "SCons"}


def _tool(name: str, required: bool, purpose: str) -> dict:
    if name in MODULES:
        spec = importlib.util.find_spec(MODULES[name])
        path = spec.origin if spec is not None else None
        return {"name": name, "required": required, "present": path is not None, "path": path, "purpose": purpose}
    path = shutil.which(name, path=os.environ.get("PATH", "") + os.pathsep + "/usr/sbin:/sbin")
    return {"name": name, "required": required, "present": path is not None, "path": path, "purpose": purpose}


def collect(targets: list[Target], environ=os.environ) -> dict:
    names = list(TOOLCHAINS) + (["custom"] if environ.get("CC", "").strip() else [])
    jobs = [(t, n) for t in targets for n in names]
    with ThreadPoolExecutor(max_workers=min(16, max(4, (os.cpu_count() or 2) * 2))) as pool:
        rows = list(pool.map(lambda j: _check(j[0], j[1], environ), jobs))
    arches = []
    for t in targets:
        mine = {r["toolchain"]: r for r in rows if r["arch"] == t.name}
        # as find_toolchain's auto: the first whose programs link and run, else the first that compiles
        auto = "custom" if "custom" in mine else next(
            (n for n in TOOLCHAINS if mine[n]["programs"]), next((n for n in TOOLCHAINS if mine[n]["works"]), None))
        sysroot = qemu_sysroot(t)
        arches.append({
            "arch": t.name, "machine": t.machine, "machine_arch": t.machine_arch,
            "auto": auto,
            "qemu": t.qemu, "qemu_present": shutil.which(t.qemu) is not None,
            "qemu_sysroot": sysroot, "qemu_sysroot_present": bool(sysroot) and os.path.isdir(sysroot),
            "toolchains": [mine[n] for n in names],
        })
    return {"format": 1, "arches": arches, "tools": [_tool(*t) for t in TOOLS]}


def _yn(v) -> str:
    return "-" if v is None else ("yes" if v else "no")


def _print_text(report: dict, seconds: float) -> None:
    from rich.console import Console
    from rich.table import Table

    from rumpbuild.commands.scan import table_console

    tty = sys.stdout.isatty()
    console = (Console(width=max(100, shutil.get_terminal_size((120, 24)).columns), highlight=False)
               if tty else table_console())
    plain = {} if tty else {"box": None, "pad_edge": False}  # piped: plain columns, nothing cut
    table = Table(title="toolchains", **plain)
    for col in ("arch", "toolchain", "compiles", "links", "version", "libc", "static", "qemu", "qemu sysroot"):
        table.add_column(col, no_wrap=True)
    notes: list[str] = []

    def note(a, r, text) -> str:
        notes.append(f"{a['arch']} {r['toolchain']}: {text}")
        return f"({len(notes)})"

    for a in report["arches"]:
        rows = a["toolchains"]
        for i, r in enumerate(rows):
            name = r["toolchain"] + ("*" if r["toolchain"] == a["auto"] else "")
            if not r["works"]:
                works, links = f"[red]no[/] {note(a, r, r['reason'])}", ""
            else:
                works = "[green]yes[/]"
                if r["link_problem"] and r["stale"]:
                    links = f"[red]no[/] {note(a, r, r['stale'])}"
                elif r["link_problem"]:
                    links = f"[red]no[/] {note(a, r, r['link_problem'])}"
                elif r["links"] is None:
                    links = f"[yellow]unknown[/] {note(a, r, r['link_error'])}"
                elif r["run_problem"]:
                    links = f"[yellow]yes, crashes[/] {note(a, r, r['run_problem'])}"
                elif r["stale"]:
                    links = f"[green]yes[/] {note(a, r, r['stale'])}"
                else:
                    links = "[green]yes[/]"
            qemu = (("[green]" if a["qemu_present"] else "[yellow]") + a["qemu"] + "[/]") if i == 0 else ""
            sysroot = ((a["qemu_sysroot"] if a["qemu_sysroot_present"] else "[yellow]missing[/]")
                       if i == 0 else "")
            table.add_row(a["arch"] if i == 0 else "", name, works, links, r["version"] or "", r["libc"] or "",
                          _yn(r["static_ok"]) if r["works"] else "", qemu, sysroot,
                          end_section=i == len(rows) - 1)
    console.print(table)
    for i, n in enumerate(notes, 1):
        console.print(f"({i}) {n}", soft_wrap=True)
    tools = Table(title="tools", **plain)
    for col in ("tool", "needed", "found", "used for"):
        tools.add_column(col)
    for t in report["tools"]:
        found = f"[green]{t['path']}[/]" if t["present"] else ("[red]missing[/]" if t["required"] else "[yellow]missing[/]")
        tools.add_row(t["name"], "required" if t["required"] else "optional", found, t["purpose"])
    console.print(tools)
    console.print(f"* = what `--toolchain auto` picks (the first of {', '.join(TOOLCHAINS)} whose programs link "
                  f"and run, else the first that compiles; CC/AR in the environment override it). "
                  f"links = a test program linked (and the toolchain's table knows no crash). "
                  f"static = links fully static programs, which run under qemu with no sysroot. "
                  f"Checked in {seconds:.1f} s (results cached in {cache_path()}).", soft_wrap=True)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--arch", action="append", metavar="A",
                   help="check only this MACHINE, MACHINE_ARCH or alias (repeatable; default: every arch)")
    p.add_argument("--json", action="store_true", help="print the report as JSON (format 1)")


def run(args: argparse.Namespace) -> int:
    targets = [resolve(a) for a in args.arch] if args.arch else all_targets()
    seen, uniq = set(), []
    for t in targets:
        if t.name not in seen:
            seen.add(t.name)
            uniq.append(t)
    start = time.monotonic()
    report = collect(uniq)
    seconds = time.monotonic() - start
    if args.json:
        json.dump(report, sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        _print_text(report, seconds)
    missing_required = [t["name"] for t in report["tools"] if t["required"] and not t["present"]]
    unbuildable = [a["arch"] for a in report["arches"] if a["auto"] is None]
    if not args.json and (missing_required or unbuildable):
        print("rumpbuild doctor: " + "; ".join(
            ([f"required tool(s) missing: {', '.join(missing_required)}"] if missing_required else [])
            + ([f"no working toolchain for {', '.join(unbuildable)}"] if unbuildable else [])), file=sys.stderr)
    return 1 if missing_required or unbuildable else 0


COMMAND = Command(
    name="doctor",
    help="check toolchains, qemu and helper tools for every arch",
    description="For every arch (or those given with --arch) and every toolchain (gcc, clang, zig, and CC "
    "from the environment if set): does it compile for the arch (a test file is compiled and its ELF "
    "header checked), does it link a test program the way builds link programs (zig's first link for an "
    "arch builds its libc: minutes, once), what its table in rumpbuild/toolchain/ records as broken, its "
    "version, libc, whether it links static programs, and whether the arch's qemu-user and its sysroot "
    "are installed. Then the helper tools rumpbuild uses. Results are cached (see the last line).\n\n"
    "examples:\n"
    "  rumpbuild doctor\n"
    "  rumpbuild doctor --arch evbarm --arch riscv64\n"
    "  rumpbuild doctor --json\n\n"
    "Exit status 1 when a required tool is missing or an arch has no working toolchain.",
    add_arguments=add_arguments,
    run=run,
)
