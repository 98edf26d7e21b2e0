"""`rumpbuild ci --emit-workflow github`: a GitHub Actions workflow for a NetBSD source repository.

The workflow installs the rumpbuild that wrote it, pinned (`--rumpbuild-spec`):
rumpbuild is not published on the package index, and a bare `pip install
rumpbuild` would install whatever another party put there under that name.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from importlib import metadata

from rumpbuild.errors import UserError
from rumpbuild.templates import render

DEFAULT_ARCHES = ["amd64", "evbarm", "evbarm64"]
# Debian/Ubuntu packages the CI job needs: qemu for other arches, byacc/flex for the tree's
# config(1) (ioconf.c), and the image tools of every smoke-test recipe (apt_packages()).
BASE_APT_PACKAGES = ["qemu-user", "byacc", "flex"]
ESSENTIAL = {"coreutils", "util-linux"}  # in every Debian/Ubuntu image: not worth an install line


def apt_packages() -> list[str]:
    """BASE_APT_PACKAGES and the Debian packages of the tools in rumpbuild/smoke/images.toml."""
    import tomllib

    from rumpbuild.smoke.runner import HERE

    with open(HERE / "images.toml", "rb") as f:
        recipes = tomllib.load(f)
    out = list(BASE_APT_PACKAGES)
    for recipe in recipes.values():
        for package in recipe.get("tools", {}).values():
            if package not in out and package not in ESSENTIAL:
                out.append(package)
    return out


def pip_packages() -> list[str]:
    """The PyPI packages of the Python modules rumpbuild/smoke/images.toml's recipes import (amitools)."""
    from rumpbuild.smoke.runner import smoke_data

    out: list[str] = []
    for recipe in smoke_data("images.toml").values():
        for package in recipe.get("modules", {}).values():
            if package not in out:
                out.append(package)
    return out
FLAVOURS = ("github",)
_INDEX_NAME = re.compile(r"^\s*rumpbuild\s*(\[[^\]]*\])?\s*([<>=!~].*)?$", re.I)  # rumpbuild, rumpbuild==0.1


def running_spec() -> str | None:
    """A pip spec pinning the running rumpbuild to where it came from (pip's record, PEP 610), or None:

    * installed from a git URL: ``rumpbuild @ git+URL@COMMIT``;
    * from a wheel or sdist URL: that URL (with its sha256 when pip recorded one);
    * from a local git checkout (e.g. editable) whose ``origin`` is a URL: that URL at the checkout's HEAD.
    """
    try:
        text = metadata.distribution("rumpbuild").read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        return None
    info = json.loads(text) if text else {}
    url = info.get("url", "")
    vcs = info.get("vcs_info", {})
    if vcs.get("vcs") == "git" and vcs.get("commit_id") and not url.startswith("file:"):
        return f"rumpbuild @ git+{url}@{vcs['commit_id']}"
    if "archive_info" in info and url.startswith("https://"):
        sha = info["archive_info"].get("hashes", {}).get("sha256")
        return f"rumpbuild @ {url}" + (f"#sha256={sha}" if sha else "")
    if url.startswith("file://") and "dir_info" in info:
        return _checkout_spec(url[len("file://"):])
    return None


def _checkout_spec(folder: str) -> str | None:
    def git(*args):
        p = subprocess.run(["git", "-C", folder, *args], capture_output=True, text=True)
        return p.stdout.strip() if p.returncode == 0 else ""

    origin, head = git("remote", "get-url", "origin"), git("rev-parse", "HEAD")
    if not head or not re.match(r"^(https://|ssh://|git@)", origin):
        return None
    if origin.startswith("git@"):  # scp-like git@host:owner/repo → ssh://git@host/owner/repo
        origin = "ssh://" + origin.replace(":", "/", 1)
    return f"rumpbuild @ git+{origin}@{head}"


def check_spec(spec: str | None) -> str:
    hints = ["--rumpbuild-spec 'rumpbuild @ git+https://HOST/OWNER/rumpbuild@COMMIT' (the source repository, "
             "pinned to a commit)",
             "--rumpbuild-spec tools/rumpbuild-0.1.0-py3-none-any.whl (a wheel committed to the tree: "
             "`pip wheel --no-deps -w tools/ /path/to/rumpbuild`), or the wheel's https:// URL"]
    if spec is None:
        spec = running_spec()
        if spec is not None:
            print(f"rumpbuild: the workflow installs {spec} (the running rumpbuild; a commit must be pushed "
                  "there; --rumpbuild-spec sets another)", file=sys.stderr)
        else:
            raise UserError("the workflow must install this rumpbuild, and rumpbuild cannot tell a public place "
                            "to install it from (not installed from a git or https URL, nor from a git checkout "
                            "with an origin URL; rumpbuild is not on the package index)", hints)
    if _INDEX_NAME.match(spec):
        raise UserError(f"--rumpbuild-spec '{spec}' would install a project called rumpbuild from the package "
                        "index, where rumpbuild is not published (anyone could publish that name)", hints)
    if spec.startswith("/") and spec.endswith(".whl"):
        raise UserError(f"--rumpbuild-spec '{spec}' is a path on this machine; the workflow runs on GitHub's",
                        hints)
    return spec


def github_workflow(arches: list[str], components: str, toolchain: str, defines: list[str],
                    pip_spec: str | None = None) -> str:
    return render("github-workflow.yml.j2", arches=arches, components=components, toolchain=toolchain,
                  defines=defines, apt_packages=apt_packages(), pip_packages=pip_packages(),
                  pip_spec=json.dumps(check_spec(pip_spec)))
