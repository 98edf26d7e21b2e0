"""Argument rules for zfs administration: pool and dataset names, vdev lists, sizes.

Checked on the host before any rump kernel boots, so a bad argument gives
one message naming the value (the kernel would only answer EINVAL).  The
rules are zfs's own (zfs_namecheck.c: pool_namecheck, dataset_namecheck).
"""

from __future__ import annotations

import re

from rumpbuild.errors import UserError

_POOL = re.compile(r"[A-Za-z][A-Za-z0-9_.:-]*\Z")
_COMPONENT = re.compile(r"[A-Za-z0-9_.:-]+\Z")
RESERVED_POOLS = ("mirror", "raidz", "spare", "log")  # vdev keywords zpool create reads
MAX_NAME = 255  # MAXNAMELEN - 1
MIN_VDEV_BYTES = 64 << 20  # SPA_MINDEVSIZE
_SIZE = re.compile(r"(\d+)([KMGT]?)B?\Z", re.I)


def check_pool_name(name: str) -> str:
    """*name* if zfs accepts it as a pool name, else UserError saying why."""
    why = None
    if not name:
        why = "it is empty"
    elif len(name) > MAX_NAME:
        why = f"it is longer than {MAX_NAME} characters"
    elif not _POOL.match(name):
        why = "it must start with a letter and hold only letters, digits and _ . : -"
    elif name.startswith(RESERVED_POOLS) or re.match(r"c[0-9]", name):
        why = "names starting with mirror, raidz, spare, log or c<digit> are reserved"
    if why:
        raise UserError(f"pool name '{name}' is not valid: {why}", ["try a name such as 'tank'"])
    return name


def check_dataset_name(name: str) -> str:
    """*name* if it is POOL/child/…: a valid pool name, then components of letters, digits, _ . : -."""
    pool, sep, rest = name.partition("/")
    check_pool_name(pool)
    if len(name) > MAX_NAME or (sep and not all(_COMPONENT.match(c) for c in rest.split("/"))):
        raise UserError(f"dataset name '{name}' is not valid: components are letters, digits and _ . : - "
                        f"separated by '/', {MAX_NAME} characters at most", [f"try '{pool}/data'"])
    return name


def check_snapshot_name(name: str) -> str:
    """*name* if it is DATASET@SNAP: a valid dataset, one '@', a snapshot component of letters, digits,
    _ . : - (zfs also takes spaces; rumpbuild's tool prints names space-separated, so it does not)."""
    dataset, at, snap = name.partition("@")
    if not at:
        raise UserError(f"snapshot name '{name}' has no '@'", [f"write DATASET@NAME, e.g. '{name}@before'"])
    try:
        check_dataset_name(dataset)
    except UserError as e:  # name the whole value the user gave
        raise UserError(f"snapshot name '{name}' is not valid: {e}", e.hints) from None
    why = None
    if not snap:
        why = "the part after '@' is empty"
    elif "@" in snap:
        why = "it has more than one '@'"
    elif not _COMPONENT.match(snap):
        why = "the part after '@' must hold only letters, digits and _ . : -"
    elif len(name) > MAX_NAME:
        why = f"it is longer than {MAX_NAME} characters"
    if why:
        raise UserError(f"snapshot name '{name}' is not valid: {why}", [f"try '{dataset}@snap1'"])
    return name


def check_destroy_name(name: str) -> str:
    """*name* if `destroy` takes it: POOL/DATASET or DATASET@SNAP, never a pool's root dataset."""
    if "@" in name:
        return check_snapshot_name(name)
    check_dataset_name(name)
    if "/" not in name:
        raise UserError(f"'{name}' is a pool's root dataset: destroy takes a dataset inside a pool or a "
                        "snapshot", [f"destroy '{name}/CHILD' or '{name}@SNAP'; a pool goes with its image files"])
    return name


def parse_size(text: str) -> int:
    """'256M', '10G', '4096' → bytes; UserError for anything else or less than zfs's 64 MB vdev minimum."""
    m = _SIZE.match(text.strip())
    if not m:
        raise UserError(f"image size '{text}' is not a size", ["write it as a number with K, M, G or T: 256M, 10G"])
    n = int(m.group(1)) << {"": 0, "K": 10, "M": 20, "G": 30, "T": 40}[m.group(2).upper()]
    if n < MIN_VDEV_BYTES:
        raise UserError(f"image size '{text}' is below zfs's minimum vdev size (64 MB)", ["use 64M or more"])
    return n


def vdev_layout(words: list[str]) -> tuple[bool, list[str]]:
    """zpool create's vdev words → (mirror?, image files): IMAGE… or mirror IMAGE IMAGE…."""
    mirror = bool(words) and words[0] == "mirror"
    images = words[1:] if mirror else list(words)
    if not images:
        raise UserError("no image files given for the pool",
                        ["zpool create POOL IMAGE… or POOL mirror IMAGE IMAGE…"])
    if mirror and len(images) < 2:
        raise UserError("a mirror needs two or more image files", ["zpool create POOL mirror a.img b.img"])
    if len(images) > 16:
        raise UserError(f"{len(images)} image files: rumpbuild's zfs tool takes 16 at most")
    if len(set(images)) != len(images):
        dup = next(i for i in images if images.count(i) > 1)
        raise UserError(f"image file '{dup}' is given twice", ["each vdev needs its own image file"])
    if any(i in RESERVED_POOLS + ("raidz1", "raidz2", "cache") for i in images):
        raise UserError("only plain and mirror vdevs are supported (no raidz, spare, log or cache)")
    return mirror, images


def device_keys(images: list[str]) -> list[str]:
    """The rump kernel paths (etfs keys, regular files) the images are registered at, in order.

    They are recorded in the pool's labels, so a later import registers the
    images at the same keys, in the same order."""
    return [f"/rumpbuild-zfs{i}" for i in range(len(images))]
