"""The wheel a user installs: built from a copy of the checkout, installed into a fresh venv, it runs.

Marked `wheel` (deselect with -m 'not wheel'); CI runs it.  The venv gets no
system site-packages (this machine's editable install of rumpbuild would
shadow the wheel's); a .pth file points it at the running Python's
site-packages for scons, jinja2, zig …, so nothing is downloaded.
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.wheel

CHECKOUT = Path(__file__).resolve().parents[1]


def _tracked_files() -> list[str]:
    p = subprocess.run(["git", "-C", str(CHECKOUT), "ls-files", "-co", "--exclude-standard"],
                       capture_output=True, text=True)
    if p.returncode != 0:
        pytest.skip(f"not a git checkout: {p.stderr.strip()}")
    return [f for f in p.stdout.splitlines() if (CHECKOUT / f).is_file()]


@pytest.fixture(scope="module")
def built_wheel(tmp_path_factory) -> tuple[Path, Path]:
    """(the wheel, the copy of the checkout it was built from)."""
    pytest.importorskip("wheel", reason="the test extra's `wheel` builds without downloading setuptools")
    src = tmp_path_factory.mktemp("src")
    for rel in _tracked_files():
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(CHECKOUT / rel, src / rel)
    dist = tmp_path_factory.mktemp("dist")
    p = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                        "--disable-pip-version-check", "-w", str(dist), str(src)], capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
    wheels = list(dist.glob("rumpbuild-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0], src


def test_wheel_holds_every_runtime_file_and_leaves_no_build_folder(built_wheel):
    whl, src = built_wheel
    assert not (src / "build").exists(), "pip wheel left a build/ folder in the checkout"
    names = set(zipfile.ZipFile(whl).namelist())
    want = {f for f in _tracked_files() if f.startswith("rumpbuild/")}
    assert sorted(want - names) == []
    templates = {"rumpbuild/template_files/" + f.split("/", 1)[1] for f in _tracked_files()
                 if f.startswith("templates/")}
    assert templates and sorted(templates - names) == []
    meta = zipfile.ZipFile(whl).read(f"rumpbuild-{whl.name.split('-')[1]}.dist-info/METADATA").decode()
    assert "Requires-Python: >=3.11" in meta.splitlines()
    assert not any(line.startswith("Requires-Dist: lief") for line in meta.splitlines())


def test_python_310_is_refused_by_pip(built_wheel):
    found = [shutil.which("python3.10"), *map(str, Path.home().glob(".pyenv/versions/3.10*/bin/python3"))]
    runs = [c for c in found if c and subprocess.run([c, "-c", "import pip"], capture_output=True).returncode == 0]
    if not runs:
        pytest.skip("no python3.10 with pip on this machine")
    py310 = runs[0]
    p = subprocess.run([py310, "-m", "pip", "install", "--dry-run", "--no-deps", "--no-index",
                        "--disable-pip-version-check", str(built_wheel[0])], capture_output=True, text=True)
    assert p.returncode != 0 and "requires a different Python" in p.stderr, p.stdout + p.stderr


def test_wheel_in_fresh_venv_runs_test_msdos(built_wheel, tmp_path):
    whl, _src = built_wheel
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    vpy = venv / "bin" / "python"
    vsite = Path(subprocess.run([vpy, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                capture_output=True, text=True, check=True).stdout.strip())
    # the dependencies from the running Python; a .pth line adds a folder but runs none of its .pth files
    (vsite / "rumpbuild-test-deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    # --force-reinstall: the running Python's site-packages (added above) may hold a rumpbuild of the
    # same version (CI's own venv), which pip would otherwise take as already installed
    p = subprocess.run([sys.executable, "-m", "pip", "--python", str(vpy), "install", "-q", "--no-deps",
                        "--force-reinstall", "--disable-pip-version-check", str(whl)], capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr

    work = tmp_path / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "RUMPBUILD_SRC")}
    env["RUMPBUILD_CACHE_DIR"] = str(tmp_path / "cache")
    where = subprocess.run([vpy, "-c", "import rumpbuild, rumpbuild.templates as t; "
                            "print(rumpbuild.__file__); print(t.template_dir())"],
                           capture_output=True, text=True, cwd=work, env=env, check=True).stdout.split()
    assert all(Path(w).is_relative_to(venv) for w in where), where

    rb = venv / "bin" / "rumpbuild"
    p = subprocess.run([rb, "test", "msdos", "-j2"], capture_output=True, text=True, cwd=work, env=env)
    assert p.returncode == 0, p.stdout + p.stderr
    assert p.stdout.rstrip().splitlines()[-1] == "PASSED"
    assert "PASS  [static] readback" in p.stdout
    assert any((work / "rumpbuild-out").glob("*/librumpfs_msdos.a"))
    # the other commands that read templates
    for args in (["rules", "msdos", "-o", str(tmp_path / "rules")],
                 ["ci", "--emit-workflow", "github", "--rumpbuild-spec", "tools/rumpbuild.whl"]):
        p = subprocess.run([rb, *args], capture_output=True, text=True, cwd=work, env=env)
        assert p.returncode == 0, (args, p.stdout + p.stderr)
