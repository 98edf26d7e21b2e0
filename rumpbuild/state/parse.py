"""Parse and validate a state file: one message per problem, naming file, line and field.

tomllib gives values but no line numbers; :class:`_Lines` finds them in the
text (table headers and ``key =`` lines), which is enough for a flat format.
The order of the [[cgd]] and [[raid]] tables in the text is the order the
steps run in (tomllib keeps each array's order, not the interleaving).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
import tomllib

from rumpbuild.errors import UserError
from rumpbuild.state.model import CgdStep, Disk, MountSpec, RaidStep, State

# cipher -> (default key length, allowed key lengths in bits), as cgd(4) and cgd_crypto.c check them
CIPHERS = {
    "aes-xts": (256, (256, 512)),
    "aes-cbc": (128, (128, 192, 256)),
    "3des-cbc": (192, (192,)),
    "blowfish-cbc": (128, tuple(range(40, 449, 8))),
}
IVS = ("encblkno1", "encblkno8")
RAID_LEVELS = (0, 1, 5)

TOP_KEYS = {"cgd", "raid", "mount"}
CGD_KEYS = {"device", "image", "cipher", "keylength", "iv", "key"}
KEY_KEYS = {"file", "passphrase_file", "salt", "iterations"}
RAID_KEYS = {"device", "level", "components", "sectors_per_su", "sus_per_pu", "sus_per_ru", "serial", "rebuild"}
MOUNT_KEYS = {"fs", "device"}

_DEVICE = {"cgd": re.compile(r"^cgd[0-9]+$"), "raid": re.compile(r"^raid[0-9]+$")}
_MOUNT_DEVICE = re.compile(r"^((?:cgd|raid)[0-9]+)([a-p]?)$")
_SUFFIX = re.compile(r"^(.*?)(%(?:DISKLABEL:[a-p]|MBR:[1-4])%)?$")
ABSENT = "absent"  # a missing RAID component, as raidctl(8) spells it


class _Lines:
    """Line numbers of the tables and keys of a TOML text."""

    _HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\"-]+)\s*\]\]?")
    _KEY = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*=")

    def __init__(self, text: str):
        self.tables: list[tuple[str, int, int]] = []  # (name, index within its array, line)
        self.keys: dict[tuple[str, int, str], int] = {}
        self.inline: dict[tuple[str, int, str], str] = {}  # the line text of an inline table key
        counts: dict[str, int] = {}
        section, index = "", 0
        for n, line in enumerate(text.splitlines(), 1):
            m = self._HEADER.match(line)
            if m:
                section = m.group(2).strip('"')
                index = counts.get(section, 0)
                counts[section] = index + 1
                self.tables.append((section, index, n))
                continue
            m = self._KEY.match(line)
            if m:
                self.keys.setdefault((section, index, m.group(1)), n)
                self.inline[(section, index, m.group(1))] = line

    def table(self, name: str, index: int) -> int:
        return next((ln for s, i, ln in self.tables if s == name and i == index), 0)

    def key(self, name: str, index: int, key: str) -> int:
        """The line of *key* in table *name* (a top-level key may be a table of its own)."""
        return (self.keys.get((name, index, key)) or (self.table(key, 0) if not name else 0)
                or self.table(name, index) or 1)


class _Problems:
    def __init__(self, path: str, lines: _Lines):
        self.path, self.lines, self.items = path, lines, []

    def add(self, table: str, index: int, field: str | None, text: str, hint: str = ""):
        line = self.lines.key(table, index, field.split(".")[0]) if field else (self.lines.table(table, index) or 1)
        where = f"[[{table}]] #{index + 1}" if table in ("cgd", "raid") else f"[{table}]" if table else "top level"
        what = f"{where} field '{field}'" if field else where
        self.items.append((f"{self.path}:{line}: {what}: {text}", hint))

    def raise_if_any(self):
        if not self.items:
            return
        if len(self.items) == 1:
            msg, hint = self.items[0]
            raise UserError(msg, [hint] if hint else ["see README, \"Kernel state before the mount\""])
        hints = sorted({h for _, h in self.items if h})
        raise UserError(f"{len(self.items)} problems in the state file:\n" + "\n".join(m for m, _ in self.items),
                        hints or ["see README, \"Kernel state before the mount\""])


def load_state(path: str, creating: bool = False) -> State:
    """Read and validate the state file at *path*.

    *creating*: the images of cgd steps may not exist yet (``--init-from``
    makes them); key and passphrase files must exist in any case.
    """
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise UserError(f"cannot read the state file {path}: {e.strerror}", ["check the --state path"])
    text = raw.decode("utf-8", "replace")
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise UserError(f"{path}: not valid TOML: {e}", ["fix the line named; the format is in the README"])
    lines = _Lines(text)
    pr = _Problems(path, lines)
    base = os.path.dirname(os.path.abspath(path))

    for k in doc:
        if k not in TOP_KEYS:
            pr.add("", 0, k, f"unknown key '{k}'", "the state file knows [[cgd]], [[raid]] and [mount]")
    state = State(path=path)
    parsed: dict[tuple[str, int], object] = {}
    for kind, fn in (("cgd", _cgd), ("raid", _raid)):
        tables = doc.get(kind, [])
        if not isinstance(tables, list):
            pr.add("", 0, kind, f"'{kind}' must be an array of tables: write [[{kind}]]")
            continue
        for i, t in enumerate(tables):
            step = fn(t, i, pr, base, creating)
            if step is not None:
                parsed[(kind, i)] = step
    # steps run in the order their tables appear in the file
    order = [(s, i) for s, i, _ in lines.tables if (s, i) in parsed]
    state.steps = [parsed[k] for k in order]
    if "mount" in doc:
        state.mount = _mount(doc["mount"], pr)
    # devices by table, parsed or not: a table with a bad field still says what it configures
    declared = {(s, i): t.get("device") for s in ("cgd", "raid") for i, t in enumerate(doc.get(s, []) or [])
                if isinstance(doc.get(s), list) and isinstance(t, dict)}
    _check_devices(state, [k for k in ((s, i) for s, i, _ in lines.tables) if k in declared], declared,
                   parsed, pr)
    pr.raise_if_any()
    return state


def _unknown(t: dict, allowed: set, table: str, i: int, pr: _Problems) -> None:
    for k in t:
        if k not in allowed:
            pr.add(table, i, k, f"unknown key '{k}'", f"[{table}] knows: " + ", ".join(sorted(allowed)))


def _required(t: dict, key: str, typ, table: str, i: int, pr: _Problems):
    if key not in t:
        pr.add(table, i, None, f"missing field '{key}'")
        return None
    return _typed(t[key], typ, table, i, key, pr)


def _typed(value, typ, table, i, key, pr):
    if typ is int and isinstance(value, bool) or not isinstance(value, typ):
        pr.add(table, i, key, f"must be {'an integer' if typ is int else 'a string' if typ is str else typ.__name__},"
                              f" not {value!r}")
        return None
    return value


def _file(base: str, rel: str) -> str:
    return os.path.normpath(os.path.join(base, os.path.expanduser(rel)))


def _disk(value: str, table, i, field, pr, base, must_exist: bool) -> Disk | None:
    """A device name of an earlier step, "absent", or a host image with an optional partition suffix."""
    if _DEVICE["cgd"].match(value) or _DEVICE["raid"].match(value):
        return Disk(device=value)
    if value == ABSENT:
        return Disk()
    m = _SUFFIX.match(value)
    if "%" in m.group(1):
        pr.add(table, i, field, f"'{value}': a partition suffix is %DISKLABEL:a% … %DISKLABEL:p% or %MBR:1% … "
                                "%MBR:4%, at the end of the image name")
        return None
    path = _file(base, m.group(1))
    if must_exist and not os.path.isfile(path):
        pr.add(table, i, field, f"image '{m.group(1)}' does not exist ({path})",
               "paths are relative to the state file's folder; --init-from makes a cgd's image")
        return None
    return Disk(path=path, suffix=m.group(2) or "")


def _cgd(t, i, pr, base, creating) -> CgdStep | None:
    if not isinstance(t, dict):
        return None
    _unknown(t, CGD_KEYS, "cgd", i, pr)
    device = _required(t, "device", str, "cgd", i, pr)
    if device is not None and not _DEVICE["cgd"].match(device):
        pr.add("cgd", i, "device", f"'{device}' is not a cgd device name", "write cgd0, cgd1, …")
        device = None
    image = _required(t, "image", str, "cgd", i, pr)
    disk = _disk(image, "cgd", i, "image", pr, base, not creating) if image is not None else None
    if disk is not None and disk.path is None and disk.device is None:
        pr.add("cgd", i, "image", "a cgd needs a disk; 'absent' is for RAID components")
        disk = None
    cipher = _required(t, "cipher", str, "cgd", i, pr)
    if cipher is not None and cipher not in CIPHERS:
        pr.add("cgd", i, "cipher", f"unknown cipher '{cipher}'", "ciphers: " + ", ".join(CIPHERS))
        cipher = None
    keylength = _typed(t["keylength"], int, "cgd", i, "keylength", pr) if "keylength" in t else (
        CIPHERS[cipher][0] if cipher else None)
    if cipher and keylength is not None and keylength not in CIPHERS[cipher][1]:
        allowed = CIPHERS[cipher][1]
        shown = f"{allowed[0]} … {allowed[-1]} in steps of 8" if len(allowed) > 4 else ", ".join(map(str, allowed))
        pr.add("cgd", i, "keylength", f"{cipher} takes no {keylength}-bit key", f"{cipher} key lengths: {shown}")
        keylength = None
    iv = _typed(t.get("iv", "encblkno1"), str, "cgd", i, "iv", pr)
    if iv is not None and iv not in IVS:
        pr.add("cgd", i, "iv", f"unknown IV method '{iv}'", "iv = \"encblkno1\" (cgdconfig's default) or \"encblkno8\"")
        iv = None
    key = None
    if "key" not in t:
        pr.add("cgd", i, None, "missing field 'key'", "key = { file = \"key.bin\" } or "
               "{ passphrase_file = …, salt = …, iterations = … }")
    elif keylength is not None:
        key = _key(t["key"], keylength, i, pr, base)
    if None in (device, disk, cipher, keylength, iv, key):
        return None
    k = t["key"]
    key_file = _file(base, k["file"]) if isinstance(k, dict) and isinstance(k.get("file"), str) else None
    return CgdStep(device, disk, cipher, keylength, iv, key, pr.lines.table("cgd", i), key_file)


def _key(k, keylength: int, i: int, pr: _Problems, base: str) -> bytes | None:
    """The raw key: the bytes of key.file, or PKCS#5 PBKDF2-HMAC-SHA1 of the passphrase,
    as cgdconfig(8)'s pkcs5_pbkdf2/sha1 method computes it."""
    if not isinstance(k, dict):
        pr.add("cgd", i, "key", "must be an inline table: { file = … } or { passphrase_file = …, salt = …, "
                                "iterations = … }")
        return None
    for sub in k:
        if sub not in KEY_KEYS:
            pr.add("cgd", i, f"key.{sub}", f"unknown key '{sub}'", "key knows: " + ", ".join(sorted(KEY_KEYS)))
    need = keylength // 8
    if "file" in k and "passphrase_file" in k:
        pr.add("cgd", i, "key", "give either file or passphrase_file, not both")
        return None
    if "file" in k:
        rel = _typed(k["file"], str, "cgd", i, "key.file", pr)
        if rel is None:
            return None
        path = _file(base, rel)
        if not os.path.isfile(path):
            pr.add("cgd", i, "key.file", f"key file '{rel}' does not exist ({path})",
                   "make one, e.g. head -c 32 /dev/urandom > key.bin (32 bytes: a 256-bit key)")
            return None
        data = open(path, "rb").read()
        if len(data) != need:
            pr.add("cgd", i, "key.file", f"'{rel}' holds {len(data)} bytes; a {keylength}-bit key is {need} bytes",
                   f"head -c {need} /dev/urandom > {rel}, or change keylength")
            return None
        return data
    if "passphrase_file" in k:
        rel = _typed(k["passphrase_file"], str, "cgd", i, "key.passphrase_file", pr)
        salt = _typed(k["salt"], str, "cgd", i, "key.salt", pr) if "salt" in k else None
        its = _typed(k["iterations"], int, "cgd", i, "key.iterations", pr) if "iterations" in k else None
        for name, v in (("salt", "salt"), ("iterations", "iterations")):
            if name not in k:
                pr.add("cgd", i, "key", f"a passphrase key needs '{v}'",
                       "salt = base64 of 16 random bytes (openssl rand -base64 16), iterations = e.g. 100000")
        if rel is None or salt is None or its is None:
            return None
        try:
            salt_bytes = base64.b64decode(salt, validate=True)
        except (binascii.Error, ValueError):
            pr.add("cgd", i, "key.salt", f"'{salt}' is not base64", "openssl rand -base64 16")
            return None
        if its < 1:
            pr.add("cgd", i, "key.iterations", f"must be at least 1, not {its}")
            return None
        path = _file(base, rel)
        if not os.path.isfile(path):
            pr.add("cgd", i, "key.passphrase_file", f"passphrase file '{rel}' does not exist ({path})")
            return None
        phrase = open(path, "rb").read().rstrip(b"\r\n")
        return hashlib.pbkdf2_hmac("sha1", phrase, salt_bytes, its, need)
    pr.add("cgd", i, "key", "needs 'file' or 'passphrase_file'")
    return None


def _raid(t, i, pr, base, creating) -> RaidStep | None:
    if not isinstance(t, dict):
        return None
    _unknown(t, RAID_KEYS, "raid", i, pr)
    device = _required(t, "device", str, "raid", i, pr)
    if device is not None and not _DEVICE["raid"].match(device):
        pr.add("raid", i, "device", f"'{device}' is not a RAIDframe device name", "write raid0, raid1, …")
        device = None
    level = _required(t, "level", int, "raid", i, pr)
    if level is not None and level not in RAID_LEVELS:
        pr.add("raid", i, "level", f"RAID level {level} is not one rumpbuild configures", "level = 0, 1 or 5")
        level = None
    comps = _required(t, "components", list, "raid", i, pr)
    disks: list[Disk] = []
    if comps is not None:
        for c in comps:
            if not isinstance(c, str):
                pr.add("raid", i, "components", f"components are strings (image paths, device names or "
                                                f"\"absent\"), not {c!r}")
                return None
            d = _disk(c, "raid", i, "components", pr, base, not creating)
            if d is None:
                return None
            disks.append(d)
        want = {0: 2, 1: 2, 5: 3}.get(level, 2)
        if level == 1 and len(disks) != 2 or len(disks) < want:
            pr.add("raid", i, "components", f"RAID {level} needs {'exactly 2' if level == 1 else f'at least {want}'} "
                                            f"components, not {len(disks)}")
            return None
        absent = sum(1 for d in disks if d.path is None and d.device is None)
        if absent and (level == 0 or absent > 1):
            pr.add("raid", i, "components", f"{absent} absent component(s): RAID {level} cannot run degraded "
                                            "that way", "at most one component of a RAID 1 or 5 may be \"absent\"")
            return None
    nums = {}
    for key, default in (("sectors_per_su", 32 if level != 1 else 128), ("sus_per_pu", 1), ("sus_per_ru", 1),
                         ("serial", 2026)):
        v = _typed(t.get(key, default), int, "raid", i, key, pr)
        if v is not None and v < 1:
            pr.add("raid", i, key, f"must be at least 1, not {v}")
            v = None
        nums[key] = v
    rebuild = -1
    if "rebuild" in t:
        name = _typed(t["rebuild"], str, "raid", i, "rebuild", pr)
        if name is not None and comps is not None:
            if name not in comps or name == ABSENT:
                pr.add("raid", i, "rebuild", f"'{name}' is not one of the components",
                       "rebuild names the component (as written in components) to rebuild in place")
                return None
            rebuild = comps.index(name)
            if level == 0:
                pr.add("raid", i, "rebuild", "RAID 0 has no redundancy to rebuild from")
                return None
    if None in (device, level, comps) or None in nums.values():
        return None
    return RaidStep(device, level, tuple(disks), line=pr.lines.table("raid", i), rebuild=rebuild, **nums)


def _mount(t, pr: _Problems) -> MountSpec | None:
    if not isinstance(t, dict):
        pr.add("", 0, "mount", "must be a table: write [mount]")
        return None
    _unknown(t, MOUNT_KEYS, "mount", 0, pr)
    fs = _required(t, "fs", str, "mount", 0, pr)
    device = _required(t, "device", str, "mount", 0, pr)
    if device is not None and not _MOUNT_DEVICE.match(device):
        pr.add("mount", 0, "device", f"'{device}' is not a cgd or raid device",
               "write cgd0 (the whole disk), cgd0a (a partition of a label inside it), raid0 …")
        return None
    if fs is None or device is None:
        return None
    return MountSpec(fs, device, pr.lines.table("mount", 0))


def _check_devices(state: State, order, declared, parsed, pr: _Problems) -> None:
    """Each device configured once, used only after the table that configures it."""
    configured: dict[str, tuple[str, int]] = {}
    for kind, i in order:
        device = declared[(kind, i)]
        step = parsed.get((kind, i))
        if step is not None:
            uses = [step.disk] if kind == "cgd" else list(step.components)
            field = "image" if kind == "cgd" else "components"
            for d in uses:
                if d.device == step.device:
                    pr.add(kind, i, field, f"{step.device} cannot sit on itself")
                elif d.device and d.device not in configured:
                    later = [k for k, v in declared.items() if v == d.device]
                    pr.add(kind, i, field, f"uses {d.device} before any table configures it"
                           + (f" ([[{later[0][0]}]] #{later[0][1] + 1} at line {pr.lines.table(*later[0])} "
                              "comes later)" if later else ""),
                           f"move the table that configures {d.device} above this one" if later else
                           f"add a table with device = \"{d.device}\" above this one")
        if not isinstance(device, str):
            continue
        if device in configured:
            k, j = configured[device]
            pr.add(kind, i, "device", f"{device} is configured twice (first in [[{k}]] #{j + 1}, line "
                                      f"{pr.lines.table(k, j)})", "give each device its own number")
        configured.setdefault(device, (kind, i))
    m = state.mount
    if m is not None and _MOUNT_DEVICE.match(m.device):
        dev = _MOUNT_DEVICE.match(m.device).group(1)
        if dev not in configured:
            pr.add("mount", 0, "device", f"nothing configures {dev}",
                   "add a [[cgd]] or [[raid]] table with device = \"%s\"" % dev)
