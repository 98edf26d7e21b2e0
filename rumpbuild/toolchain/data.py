"""Each toolchain's per-arch table: ``rumpbuild/toolchain/<name>.toml``, keyed by MACHINE_ARCH.

A table per MACHINE_ARCH says how that toolchain targets it (triple, flags)
and what is known to be broken (``cannot_link``, ``crashes``); a MACHINE_ARCH
with no table is one the toolchain cannot build for, which leaves the arch
valid for the other toolchains.  The keys besides the two common ones are the
plug-in's own (``ARCH_KEYS`` in its module, same ``key -> (type, default)``
form as the arch schema; default None = required); a plug-in may also define
``check_entry(path, machine_arch, entry)`` for checks across keys.  Tables are
validated on first use: a mistake is an ArchDataError naming the file and key.
"""

from __future__ import annotations

import functools
import tomllib
from pathlib import Path

from rumpbuild.arch import ArchDataError, Target, check_table

DATA_DIR = Path(__file__).resolve().parent

# Known breakage, the same for every toolchain: why it compiles but cannot link
# for the arch, and why programs it links for the arch crash ("" = none known).
COMMON_KEYS: dict[str, tuple[type, str]] = {"cannot_link": (str, ""), "crashes": (str, "")}


def data_file(name: str) -> Path:
    return DATA_DIR / f"{name}.toml"


@functools.lru_cache(maxsize=None)
def load_table(name: str, path: Path) -> dict[str, dict]:
    """MACHINE_ARCH -> entry (defaults filled in) from toolchain ``name``'s data file ``path``."""
    from rumpbuild.toolchain import plugin

    mod = plugin(name)
    schema = {**mod.ARCH_KEYS, **COMMON_KEYS}
    optional = {k for k, (_typ, default) in schema.items() if default is not None}
    home = f"ARCH_KEYS in rumpbuild/toolchain/{name}.py and the top of {path.name}"
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except tomllib.TOMLDecodeError as exc:
        raise ArchDataError(path, "", f"not valid TOML: {exc}", schema_home=home) from None
    except OSError as exc:
        raise ArchDataError(path, "", f"cannot read: {exc.strerror}",
                            [f"reinstall rumpbuild: the {name} toolchain needs its table {path.name}"]) from None
    out: dict[str, dict] = {}
    for arch, raw in data.items():
        if not isinstance(raw, dict):
            raise ArchDataError(path, arch, "must be a table: [MACHINE_ARCH] followed by its keys",
                                schema_home=home)
        entry = check_table(path, raw, schema, optional, f"{arch}.", home)
        check = getattr(mod, "check_entry", None)
        if check is not None:
            check(path, arch, entry)
        out[arch] = entry
    return out


def table(name: str) -> dict[str, dict]:
    """Toolchain ``name``'s whole table (validated)."""
    return load_table(name, data_file(name))


def entry(name: str, target: Target) -> dict | None:
    """Toolchain ``name``'s entry for ``target``'s MACHINE_ARCH, or None when it cannot target it."""
    return table(name).get(target.machine_arch)


def fact(name: str, target: Target, key: str):
    """One fact of toolchain ``name``'s entry for ``target`` (``fact("gcc", t, "triple")``),
    "" (or () for a list) when it has no entry: what a test or message needs of one toolchain."""
    e = entry(name, target)
    value = e.get(key, "") if e else ""
    return tuple(value) if isinstance(value, list) else value


def no_entry(name: str, target: Target) -> str:
    """The reason given when toolchain ``name`` has no entry for ``target``."""
    return (f"{name} has no entry for {target.machine_arch} in rumpbuild/toolchain/{name}.toml "
            f"(it does not target this arch)")


def qemu_sysroot(target: Target) -> str:
    """Where Debian's cross glibc for ``target`` lives (``qemu -L``): /usr/<gcc triple>, "" if gcc has none."""
    e = entry("gcc", target)
    return f"/usr/{e['triple']}" if e else ""
