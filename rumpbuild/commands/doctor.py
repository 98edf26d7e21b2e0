"""`rumpbuild doctor`: which toolchains work for which arch, and which tools are installed."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from rumpbuild.arch import Target, all_targets, resolve
from rumpbuild.commands import Command
from rumpbuild.errors import UserError
from rumpbuild.toolchain import AUTO_ORDER, TOOLCHAINS, cache_path, custom_toolchain, plugin

# (tool, required?, what rumpbuild uses it for)
TOOLS = (
    ("scons", True, "runs the generated SCons builds"),
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
           "active_cc": None, "libc": None, "static_ok": None, "cc": None, "ar": None, "link_problem": None}
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
    row.update(works=True, version=tc.version_str, active_cc=tc.active_cc, libc=tc.libc,
               static_ok=tc.static_ok, cc=list(tc.cc), ar=list(tc.ar), link_problem=tc.link_problem or None)
    return row


def _tool(name: str, required: bool, purpose: str) -> dict:
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
        auto = "custom" if "custom" in mine else next((n for n in AUTO_ORDER if mine[n]["works"]), None)
        arches.append({
            "arch": t.name, "machine": t.machine, "machine_arch": t.machine_arch,
            "auto": auto,
            "qemu": t.qemu, "qemu_present": shutil.which(t.qemu) is not None,
            "qemu_sysroot": t.qemu_sysroot, "qemu_sysroot_present": os.path.isdir(t.qemu_sysroot),
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
    for col in ("arch", "toolchain", "works", "version", "libc", "static", "qemu", "qemu sysroot"):
        table.add_column(col, no_wrap=True)
    notes: list[str] = []
    for a in report["arches"]:
        rows = a["toolchains"]
        for i, r in enumerate(rows):
            name = r["toolchain"] + ("*" if r["toolchain"] == a["auto"] else "")
            if r["works"] and r.get("link_problem"):
                notes.append(f"{a['arch']} {r['toolchain']}: {r['link_problem']}")
                works = f"[yellow]compiles only[/] ({len(notes)})"
            elif r["works"]:
                works = "[green]yes[/]"
            else:
                notes.append(f"{a['arch']} {r['toolchain']}: {r['reason']}")
                works = f"[red]no[/] ({len(notes)})"
            qemu = (("[green]" if a["qemu_present"] else "[yellow]") + a["qemu"] + "[/]") if i == 0 else ""
            sysroot = ((a["qemu_sysroot"] if a["qemu_sysroot_present"] else "[yellow]missing[/]")
                       if i == 0 else "")
            table.add_row(a["arch"] if i == 0 else "", name, works, r["version"] or "", r["libc"] or "",
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
    console.print(f"* = what `--toolchain auto` picks (gcc, else clang, else zig; CC/AR in the environment "
                  f"override it). static = links fully static programs, which run under qemu with no sysroot. "
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
    description="For every arch (or those given with --arch) and every toolchain (zig, gcc, clang, and CC "
    "from the environment if set): does it compile for the arch (a test file is compiled and its ELF "
    "header checked), its version, libc, whether it links static programs, and whether the arch's "
    "qemu-user and its sysroot are installed. Then the helper tools rumpbuild uses.\n\n"
    "examples:\n"
    "  rumpbuild doctor\n"
    "  rumpbuild doctor --arch evbarm --arch riscv64\n"
    "  rumpbuild doctor --json\n\n"
    "Exit status 1 when a required tool is missing or an arch has no working toolchain.",
    add_arguments=add_arguments,
    run=run,
)
