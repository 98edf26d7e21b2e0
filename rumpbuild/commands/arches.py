"""`rumpbuild arches`: the NetBSD machines rumpbuild knows (rumpbuild/arch/*.toml) and which
toolchains target each (their own tables, rumpbuild/toolchain/<name>.toml)."""

from __future__ import annotations

import argparse
import json
import sys

from rumpbuild.arch import Target, all_machines
from rumpbuild.commands import Command
from rumpbuild.toolchain import TOOLCHAINS
from rumpbuild.toolchain.data import entry


def target_dict(t: Target) -> dict:
    """The stable JSON form of one MACHINE/MACHINE_ARCH variant."""
    return {
        "machine": t.machine,
        "machine_arch": t.machine_arch,
        "machine_cpu": t.machine_cpu,
        "default": t.is_default,
        "aliases": list(t.aliases),
        "endian": t.endian,
        "elf_class": t.elf_class,
        "elf_machine": t.elf_machine,
        "qemu": t.qemu,
        "native_abi": t.native_abi,
        "wno_format": t.wno_format,
        "symquirk": t.symquirk,
        "pq": t.pq,
        "extra_klinks": list(t.extra_klinks),
        # each toolchain's entry for this MACHINE_ARCH (its own table's keys); absent: cannot target it
        "toolchains": {name: entry(name, t) for name in TOOLCHAINS if entry(name, t) is not None},
    }


def _toolchains_cell(t: Target) -> str:
    words = []
    for name in TOOLCHAINS:
        e = entry(name, t)
        if e is not None:
            words.append(name + (" (cannot link)" if e["cannot_link"] else " (crashes)" if e["crashes"] else ""))
    return ", ".join(words)


def _rows() -> list[list[str]]:
    rows = []
    for m in all_machines():
        for t in m.variants:
            rows.append([
                m.name if t.is_default else "",
                t.machine_arch + ("*" if t.is_default else ""),
                t.machine_cpu,
                f"{t.endian[0].upper()}E{t.elf_class}",
                t.qemu,
                "yes" if t.native_abi else "",
                ", ".join(t.aliases),
                _toolchains_cell(t),
            ])
    return rows


HEADERS = ["MACHINE", "MACHINE_ARCH", "CPU", "ELF", "qemu", "native ABI", "aliases", "toolchains"]


def _print_text(out) -> None:
    rows = _rows()
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(HEADERS)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    print(fmt.format(*HEADERS).rstrip(), file=out)
    print(fmt.format(*("-" * w for w in widths)).rstrip(), file=out)
    for r in rows:
        print(fmt.format(*r).rstrip(), file=out)
    print("\n* = default MACHINE_ARCH of its MACHINE; ELF = endianness (LE/BE) and class. "
          "Any MACHINE, MACHINE_ARCH or alias works as --arch. toolchains = those whose table "
          "(rumpbuild/toolchain/<name>.toml) targets the arch, with known breakage; "
          "`rumpbuild doctor` checks which are installed and work.", file=out)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true",
                   help="print a JSON list with one object per MACHINE/MACHINE_ARCH variant")


def run(args: argparse.Namespace) -> int:
    if args.json:
        json.dump([target_dict(t) for m in all_machines() for t in m.variants],
                  sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        _print_text(sys.stdout)
    return 0


COMMAND = Command(
    name="arches",
    help="list the NetBSD machines rumpbuild can build for",
    description="List every NetBSD MACHINE with its MACHINE_ARCH variants, MACHINE_CPU, "
    "ELF format, qemu-user binary, names accepted by --arch and the toolchains that target it.\n"
    "The data comes from rumpbuild/arch/*.toml and rumpbuild/toolchain/<name>.toml.",
    add_arguments=add_arguments,
    run=run,
)
