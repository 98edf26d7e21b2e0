"""Which components a CI run builds: `fs`, a list of names, or `changed:REV`.

`fs` is what NetBSD builds by default: the SUBDIR list of
sys/rump/fs/lib/Makefile, evaluated with the run's make variables (so zfs
only with `-D MKZFS=yes`); a tree without that Makefile falls back to every
fs component.

`changed:REV` selects components whose own files changed since git revision
REV in the --src tree (`git diff --name-only REV` against the work tree, plus
untracked files that git does not ignore: a new source file that a Makefile
now lists counts): their sources and every Makefile or fragment their
evaluation read (Entry.includes).  A component is also selected when a
library in its link closure changed (a changed librumpvfs file selects every
fs component), because its smoke test links that library.
"""

from __future__ import annotations

import os
import subprocess

from rumpbuild.errors import UnknownNameError, UserError

FS_SUBDIR_MAKEFILE = ("fs", "lib", "Makefile")


def default_fs_components(session) -> list:
    """The fs components NetBSD builds by default (SUBDIR of sys/rump/fs/lib/Makefile)."""
    comps = [e for e in session.scan().entries if e.kind == "component" and e.category == "fs"]
    mf = session.tree.rump.joinpath(*FS_SUBDIR_MAKEFILE)
    if not mf.is_file():
        return comps
    from rumpbuild.mk import Evaluator, SystemMakefiles
    from rumpbuild.tree.options import make_vars

    ev = Evaluator(make_vars(session.tree, session.target.make_vars(), session.make_overrides()), SystemMakefiles())
    try:
        ev.evaluate_file(str(mf))
        subdirs = ev.words("SUBDIR")
    except UserError:
        return comps
    folders = {os.path.basename(os.path.dirname(e.makefile)): e for e in comps}
    return [folders[d] for d in subdirs if d in folders]


def changed_files(src, rev: str) -> set[str]:
    """Absolute paths changed since *rev* in the git work tree holding *src* (untracked included)."""
    def git(*argv):
        p = subprocess.run(["git", "-C", str(src), *argv], capture_output=True, text=True)
        if p.returncode != 0:
            raise UserError(f"`git -C {src} {' '.join(argv)}` failed: {p.stderr.strip()}",
                            ["changed:REV needs --src to be a git work tree and REV a revision in it "
                             "(e.g. changed:origin/main or changed:HEAD~1)"])
        return p.stdout

    top = git("rev-parse", "--show-toplevel").strip()
    # diff names paths from the top of the work tree, ls-files from the current folder (src)
    out = {os.path.realpath(os.path.join(top, n)) for n in git("diff", "--name-only", rev, "--").splitlines() if n}
    out |= {os.path.realpath(os.path.join(str(src), n))
            for n in git("ls-files", "--others", "--exclude-standard").splitlines() if n}
    return out


def entry_files(entry) -> set[str]:
    folder = os.path.dirname(entry.makefile)
    files = {os.path.realpath(entry.makefile)}
    files |= {os.path.realpath(os.path.join(folder, f)) for f in entry.includes}
    files |= {os.path.realpath(s.path) for s in entry.sources if s.path}
    return files


def changed_components(session, rev: str) -> list:
    changed = changed_files(session.tree.root, rev)
    libs = [e for e in session.scan().entries if e.kind in ("component", "faction", "hypercall") and not e.error]
    touched = {id(e) for e in libs if entry_files(e) & changed}
    out = []
    for e in libs:
        if e.kind != "component":
            continue
        if id(e) in touched:
            out.append(e)
            continue
        try:
            if any(id(d) in touched for d in session.closure(e)):
                out.append(e)
        except UserError:
            pass
    return out


def select_components(session, spec: str) -> list:
    """Entries (components) for *spec*: `fs`, `changed:REV` or NAME,NAME…"""
    if spec == "fs":
        return default_fs_components(session)
    if spec.startswith("changed:"):
        rev = spec.partition(":")[2]
        if not rev:
            raise UserError("--components changed: needs a git revision", ["e.g. --components changed:HEAD~1"])
        return changed_components(session, rev)
    out = []
    for name in (n.strip() for n in spec.split(",")):
        if not name:
            continue
        if name in ("dev", "net", "kern"):
            out += [e for e in session.scan().entries if e.kind == "component" and e.category == name]
            continue
        e = session.find_component(name)
        if e.kind != "component":
            raise UnknownNameError("component", name, [], [f"'{name}' is part of the base, which every run builds"])
        out.append(e)
    return list({id(e): e for e in out}.values())
