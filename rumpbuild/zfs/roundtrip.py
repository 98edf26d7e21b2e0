"""`rumpbuild test zfs`: a pool on fresh sparse image files, written by one rump
kernel and read back by another.

Process 1: create the pool (one image, or a mirror of two), create a
dataset, copy a tree of files in, snapshot it, write more files into it,
create a second dataset; the lists show the snapshot and the second dataset;
destroy both, and the lists no longer show them; export.  A mirror's first image then has
1 MB of its data region overwritten.  Process 2: import, copy the tree out,
scrub twice, export; rumpbuild compares the bytes with the tree it wrote and
reads the scrubs' counts (the second must repair nothing).  A mirror's
second image is then damaged too, and process 3 scrubs before it reads: the
first scrub must repair.  check_pool() runs the same steps on a user's pool.
"""

from __future__ import annotations

import filecmp
import os
import random
import shutil

from rumpbuild.errors import UserError
from rumpbuild.testresult import SmokeResult
from rumpbuild.zfs.errors import tool_error
from rumpbuild.zfs.names import check_dataset_name, check_destroy_name, check_pool_name, check_snapshot_name
from rumpbuild.zfs.tool import ZfsTool, build_tool, scrub_counts

POOL = "rumpbuild"
SNAPSHOT = "written"  # DATASET@written: taken after the first files
SCRATCH = "scratch"  # POOL/scratch: the second dataset, destroyed again
DAMAGE_BYTES = 1 << 20


def write_tree(root: str, seed: int = 17, files: int = 40) -> int:
    """A reproducible tree of files (nested folders, 0 bytes to 1 MB, random content); its total size."""
    rnd = random.Random(seed)
    total = 0
    for i in range(files):
        folder = os.path.join(root, *[f"d{rnd.randrange(3)}" for _ in range(rnd.randrange(3))])
        os.makedirs(folder, exist_ok=True)
        size = rnd.choice([0, 1, 511, 4096, 4097, 65536, 131073, 1 << 20]) + rnd.randrange(2)
        with open(os.path.join(folder, f"f{i:03d}.bin"), "wb") as f:
            f.write(rnd.randbytes(size))
        total += size
    return total


def trees_differ(a: str, b: str) -> list[str]:
    """Paths (relative) whose presence or bytes differ between folders *a* and *b*."""
    out = []

    def walk(cmp: filecmp.dircmp, rel: str):
        out.extend(os.path.join(rel, n) for n in cmp.left_only + cmp.right_only + cmp.funny_files)
        _same, diff, errs = filecmp.cmpfiles(cmp.left, cmp.right, cmp.common_files, shallow=False)
        out.extend(os.path.join(rel, n) for n in diff + errs)
        for name, sub in cmp.subdirs.items():
            walk(sub, os.path.join(rel, name))

    walk(filecmp.dircmp(a, b), "")
    return sorted(out)


FRONT_LABELS = 4 << 20  # labels 0 and 1 (256 KB each) and the 3.5 MB boot block reservation
BACK_LABELS = 512 << 10  # labels 2 and 3


def data_extents(image: str) -> list[tuple[int, int]]:
    """(start, end) of the written parts of a sparse *image* between the front and back labels."""
    size = os.path.getsize(image)
    lo, hi = FRONT_LABELS, size - BACK_LABELS
    out = []
    with open(image, "rb") as f:
        fd, pos = f.fileno(), lo
        try:
            while pos < hi:
                start = os.lseek(fd, pos, os.SEEK_DATA)
                if start >= hi:
                    break
                end = min(os.lseek(fd, start, os.SEEK_HOLE), hi)
                out.append((start, end))
                pos = end
        except OSError:  # ENXIO: no data past pos; other errors: no SEEK_DATA, take it all
            if not out and pos == lo:
                out = [(lo, hi)]
    return out


def damage(image: str, nbytes: int = DAMAGE_BYTES) -> int:
    """Overwrite *nbytes* with random bytes in the middle of *image*'s data region (its written
    extents between the labels, so the damage hits the pool's blocks); the offset."""
    extents = data_extents(image) or [(FRONT_LABELS, os.path.getsize(image) - BACK_LABELS)]
    half = sum(e - s for s, e in extents) // 2
    for start, end in extents:
        if half < end - start:
            offset = (start + half) & ~0xFFF
            break
        half -= end - start
    offset = max(FRONT_LABELS, min(offset - nbytes // 2, os.path.getsize(image) - BACK_LABELS - nbytes))
    with open(image, "r+b") as f:
        f.seek(offset)
        f.write(random.Random(offset).randbytes(nbytes))
    return offset


def sparse_image(path: str, size: int) -> str:
    with open(path, "wb") as f:
        f.truncate(size)
    return path


def _record(res: SmokeResult, run, names) -> bool:
    """Copy *run*'s steps named in *names* into *res*; a failed run adds its ERROR message as a FAIL."""
    for name, status, detail in run.steps:
        if name in names:
            res.add(name, status, detail)
    if not run.ok:
        res.add(run.steps[-1][0] if run.steps else "run", "FAIL", run.error)
    return run.ok


def run_zfs_test(session, entry, size: int = 256 << 20, mirror: bool = False, pool: str = POOL,
                 tool: ZfsTool | None = None) -> SmokeResult:
    """The round trip; with *mirror*, two images and 1 MB of the first damaged before the import."""
    check_pool_name(pool)
    dataset = check_dataset_name(pool + "/data")
    res = SmokeResult(entry.lib, session.target.name)
    tool = tool or build_tool(session, entry)
    res.add("build", "PASS", os.path.relpath(tool.exe, session.outdir))
    work = os.path.join(tool.workdir, "roundtrip")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    tree, back = os.path.join(work, "tree"), os.path.join(work, "back")
    total = write_tree(tree)
    images = [sparse_image(os.path.join(work, f"vdev{i}.img"), size) for i in range(2 if mirror else 1)]
    res.add("image", "PASS", f"{len(images)} sparse image(s) of {size >> 20} MB")

    keys = [f"/rumpbuild-zfs{i}" for i in range(len(images))]
    snap, scratch = check_snapshot_name(f"{dataset}@{SNAPSHOT}"), check_destroy_name(f"{pool}/{SCRATCH}")
    more = os.path.join(work, "more")  # written after the snapshot into DATASET/more: the snapshot keeps blocks
    total += write_tree(more, seed=18, files=8)
    lists = [["list", pool], ["list", dataset]]
    first = tool.run([["create", pool] + (["mirror"] if mirror else []) + keys, ["mkds", dataset],
                      ["put", dataset, tree], ["snapshot", snap], ["mkds", scratch], ["put", dataset, more, "more"]]
                     + lists + [["destroy", snap], ["destroy", scratch]] + lists + [["export", pool]], images)
    if not _record(res, first, ("create", "mkds", "put", "snapshot", "destroy", "export")):
        return res
    _check_lists(res, [d for n, _s, d in first.steps if n == "list"], dataset, snap, scratch)
    shutil.copytree(more, os.path.join(tree, "more"))  # what the dataset now holds
    if mirror:
        res.add("damage", "PASS", _damage_detail(images[0], damage(images[0])))

    # a new process: import, read everything back (a mirror serves good copies), scrub twice
    os.makedirs(back)
    second = tool.run([["import", pool], ["get", dataset, back], ["scrub", pool], ["scrub", pool],
                       ["export", pool]], images)
    if not _record(res, second, ("import", "get", "export")):
        return res
    _check_tree(res, "readback", tree, back, total)
    _check_scrubs(res, second, False)
    if mirror:
        # reads repair the blocks they touch; damage again, and let the scrub find it before any read
        res.add("damage", "PASS", _damage_detail(images[1], damage(images[1])))
        back2 = back + "2"
        os.makedirs(back2)
        third = tool.run([["import", pool], ["scrub", pool], ["scrub", pool], ["get", dataset, back2],
                          ["export", pool]], images)
        if not _record(res, third, ("import", "get", "export")):
            return res
        _check_scrubs(res, third, True)
        _check_tree(res, "readback", tree, back2, total)
    return res


def _check_lists(res: SmokeResult, lists: list[str], dataset: str, snap: str, scratch: str) -> None:
    """The four lists (pool, dataset; again after the destroys): before, the snapshot is listed under the
    dataset and the second dataset under the pool; after, neither, and the dataset itself still is."""
    if len(lists) != 4:
        res.add("lists", "FAIL", f"{len(lists)} list steps, not 4")
        return
    before = set(lists[0].split()) | set(lists[1].split())
    after = set(lists[2].split()) | set(lists[3].split())
    missing = [n for n in (dataset, snap, scratch) if n not in before]
    left = [n for n in (snap, scratch) if n in after]
    ok = not missing and not left and dataset in after
    res.add("lists", "PASS" if ok else "FAIL",
            f"{snap} and {scratch} listed after writing more, gone after destroy" if ok else
            f"before: {' '.join(sorted(before))} (missing {' '.join(missing) or '-'}); "
            f"after: {' '.join(sorted(after))} (still there: {' '.join(left) or '-'})")


def _damage_detail(image: str, offset: int) -> str:
    return f"{DAMAGE_BYTES} bytes of {os.path.basename(image)} overwritten at {offset}"


def _check_tree(res: SmokeResult, name: str, tree: str, back: str, total: int) -> None:
    diff = trees_differ(tree, back)
    res.add(name, "FAIL" if diff else "PASS", f"{len(diff)} files differ: {' '.join(diff[:5])}" if diff else
            f"a new process read the same {total} bytes back")


def _check_scrubs(res: SmokeResult, run, must_repair: bool) -> None:
    """The run's two scrubs: no unrepairable errors; the second repairs nothing; with *must_repair*
    the first repaired something (the damage was found)."""
    scrubs = [scrub_counts(d) for n, _s, d in run.steps if n == "scrub"]
    for i, c in enumerate(scrubs):
        clean = c.get("errors", 1) == 0 and (i == 0 or c.get("repaired", 1) == 0)
        if i == 0 and must_repair:
            clean = clean and c.get("repaired", 0) > 0
        res.add(f"scrub{i + 1}", "PASS" if clean else "FAIL", " ".join(f"{k}={v}" for k, v in c.items())
                + (" (found no damage to repair)" if i == 0 and must_repair and not c.get("repaired") else ""))



def check_pool(session, entry, images: list[str], put_dir: str | None = None,
               tool: ZfsTool | None = None) -> SmokeResult:
    """Import the pool on the user's *images* (all its vdevs), optionally copy *put_dir* into its root
    dataset, read every dataset back, scrub, export.  UserError (exit 1) when the tool fails: a
    failed import writes nothing to the images."""
    for img in images:
        if not os.path.isfile(img):
            raise UserError(f"--import {img}: no such file", ["give the image files the pool was created on"])
    if put_dir is not None and not os.path.isdir(put_dir):
        raise UserError(f"--put {put_dir}: no such folder")
    res = SmokeResult(entry.lib, session.target.name)
    tool = tool or build_tool(session, entry)
    res.add("build", "PASS", os.path.relpath(tool.exe, session.outdir))
    back = os.path.join(tool.workdir, "check")
    shutil.rmtree(back, ignore_errors=True)
    os.makedirs(back)
    cmds = [["import"]] + ([["put", "@", os.path.abspath(put_dir)]] if put_dir else [])
    cmds += [["getall", "@", back], ["scrub", "@"], ["export", "@"]]
    run = tool.run(cmds, images)
    for name, status, detail in run.steps:
        if status == "PASS" and name != "scrub":
            res.add(name, status, detail)
    if not run.ok:
        failed = next((n for n, s, _d in run.steps if s == "FAIL"), "")
        raise tool_error(run.error, images, failed)
    c = scrub_counts(run.detail("scrub"))
    res.add("scrub", "PASS" if c.get("errors", 1) == 0 else "FAIL", run.detail("scrub"))
    res.add("files", "PASS", f"read into {os.path.relpath(back, session.outdir)}")
    return res
