"""The generated GitHub workflow: valid by GitHub's workflow schema, installs the rumpbuild that wrote it
(pinned, never the package index's "rumpbuild"), clones shallowly, asks for the least permissions."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from rumpbuild.ci import workflow
from rumpbuild.errors import UserError

GIT_SPEC = "rumpbuild @ git+https://example.org/owner/rumpbuild@" + "0123456789abcdef" * 2 + "01234567"


def _emit(spec=GIT_SPEC, **kw):
    return workflow.github_workflow(kw.get("arches", ["amd64", "evbarm"]), "fs", "zig", ["MKZFS=yes"], spec)


def test_schema_valid(tmp_path):
    if not shutil.which("check-jsonschema"):
        pytest.skip("check-jsonschema is not installed (the test extra: pip install '.[test]')")
    for i, spec in enumerate((GIT_SPEC, "tools/rumpbuild-0.1.0-py3-none-any.whl")):
        wf = tmp_path / f"rump{i}.yml"
        wf.write_text(_emit(spec))
        p = subprocess.run(["check-jsonschema", "--builtin-schema", "vendor.github-workflows", str(wf)],
                           capture_output=True, text=True)
        assert p.returncode == 0, p.stdout + p.stderr
    bad = tmp_path / "bad.yml"
    bad.write_text(_emit().replace("runs-on:", "runs_on:"))  # the check can fail
    p = subprocess.run(["check-jsonschema", "--builtin-schema", "vendor.github-workflows", str(bad)],
                       capture_output=True, text=True)
    assert p.returncode != 0


def test_installs_pinned_spec_clones_shallow_least_permissions():
    yaml = pytest.importorskip("yaml")
    doc = yaml.safe_load(_emit())
    assert doc["env"]["RUMPBUILD_PIP"] == GIT_SPEC
    assert doc["permissions"] == {"contents": "read", "checks": "write"}
    steps = doc["jobs"]["rumpbuild"]["steps"]
    checkout = next(s for s in steps if s.get("uses", "").startswith("actions/checkout"))
    assert checkout["with"]["fetch-depth"] == 1
    fetch = next(s for s in steps if "git fetch" in s.get("run", ""))
    assert "--depth=1" in fetch["run"] and fetch["if"] == "github.event_name == 'pull_request'"
    install = next(s for s in steps if "pip install" in s.get("run", ""))
    assert install["run"].startswith('python -m pip install "$RUMPBUILD_PIP"')


@pytest.mark.parametrize("spec", ["rumpbuild", "rumpbuild==0.1.0", "rumpbuild[test]>=0.1",
                                  "/home/me/rumpbuild-0.1.0-py3-none-any.whl"])
def test_refuses_index_names_and_local_paths(spec):
    with pytest.raises(UserError) as e:
        _emit(spec)
    assert "--rumpbuild-spec" in " ".join(e.value.hints)


def test_default_spec_is_the_running_install(monkeypatch):
    class Dist:
        def __init__(self, direct_url):
            self.direct_url = direct_url

        def read_text(self, name):
            return json.dumps(self.direct_url) if name == "direct_url.json" else None

    commit = "89abcdef01234567" * 2 + "89abcdef"
    monkeypatch.setattr(workflow.metadata, "distribution", lambda name: Dist(
        {"url": "https://example.org/owner/rumpbuild", "vcs_info": {"vcs": "git", "commit_id": commit}}))
    assert json.dumps(f"rumpbuild @ git+https://example.org/owner/rumpbuild@{commit}") in _emit(None)
    url = "https://example.org/rumpbuild-0.1.0-py3-none-any.whl"
    monkeypatch.setattr(workflow.metadata, "distribution", lambda name: Dist(
        {"url": url, "archive_info": {"hashes": {"sha256": "ab" * 32}}}))
    assert json.dumps(f"rumpbuild @ {url}#sha256={'ab' * 32}") in _emit(None)


def test_default_spec_from_a_checkout(monkeypatch, tmp_path):
    """An editable install from a git checkout: its origin URL at HEAD; no origin URL: the user must say."""
    class Dist:
        def read_text(self, name):
            return json.dumps({"url": f"file://{tmp_path}", "dir_info": {"editable": True}})

    monkeypatch.setattr(workflow.metadata, "distribution", lambda name: Dist())
    with pytest.raises(UserError, match="cannot tell a public place"):
        _emit(None)  # not a git checkout
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t", "HOME": str(tmp_path), "PATH": os.environ["PATH"]}
    for cmd in (["init", "-q"], ["commit", "-q", "--allow-empty", "-m", "x"]):
        subprocess.run(["git", "-C", str(tmp_path), *cmd], check=True, env=env)
    with pytest.raises(UserError):
        _emit(None)  # no origin
    subprocess.run(["git", "-C", str(tmp_path), "remote", "add", "origin", "git@example.org:owner/rumpbuild.git"],
                   check=True)
    head = subprocess.run(["git", "-C", str(tmp_path), "rev-parse", "HEAD"], capture_output=True, text=True,
                          check=True).stdout.strip()
    assert json.dumps(f"rumpbuild @ git+ssh://git@example.org/owner/rumpbuild.git@{head}") in _emit(None)
