"""rumpbuild.ioconf: config(1) built from the tree, run for .ioconf files.

Without a NetBSD tree the tests use tests/fixtures/ioconf/tree: a toy
config(1) of our own in usr.bin/config (same build shape as NetBSD's: yacc,
lex, a .PATH source, a CPPFLAGS include folder) and a tiny sys/ with
conf/files, an included files.toy and .ioconf files.  That exercises the
real code path (source discovery, hashing, yacc/lex/cc, cache, run, atomic
output) and the generated tables.  Tests that build need cc, yacc and lex
(Debian: gcc byacc flex) and skip without them.

With RUMPBUILD_NETBSDSRC the real tree's config(1) is built and run for
every .ioconf; RUMPBUILD_NBCONFIG=/path/to/nbconfig adds a byte-for-byte
comparison with that reference binary.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from rumpbuild.errors import UserError
from rumpbuild.ioconf import (
    OUTPUT_NAMES,
    ConfigBuildError,
    IoconfError,
    config_tool,
    find_config_sources,
    find_host_tools,
    generate_ioconf,
    ioconf_inputs,
)
from rumpbuild.ioconf import hosttool

FIXTURES = Path(__file__).parent / "fixtures" / "ioconf"
TOY_TREE = FIXTURES / "tree"
TOY_SYS = TOY_TREE / "sys"
TOY_IOCONF = TOY_SYS / "rump" / "dev" / "lib" / "libtoy" / "TOY.ioconf"


def _have_host_tools() -> str | None:
    try:
        find_host_tools()
    except ConfigBuildError as e:
        return e.message
    return None


_skip_without_tools = pytest.mark.skipif(_have_host_tools() is not None,
                                         reason=f"host tools for config(1) missing: {_have_host_tools()}")


def needs_tools(test):
    """Builds config(1) with the host compiler: a live test, skipped without the tools."""
    return pytest.mark.live(_skip_without_tools(test))


@pytest.fixture(scope="session", autouse=True)
def ioconf_cache(rumpbuild_cache_dir):
    """Built config(1) binaries go to the session's cache (conftest); a user's RUMPBUILD_CONFIG is not used."""
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("RUMPBUILD_CONFIG", raising=False)
        yield rumpbuild_cache_dir


@pytest.fixture(scope="session")
def toy_outputs(tmp_path_factory):
    out = tmp_path_factory.mktemp("toy-ioconf")
    paths = generate_ioconf(TOY_SYS, TOY_IOCONF, out)
    return out, paths


def _normalise(text: str) -> str:
    """Drop the 'from "<path>"' line, which names the absolute input path."""
    return re.sub(r'ioconf\.c, from ".*"', 'ioconf.c, from "<ioconf>"', text)


# --------------------------------------------------------------------------
# Source discovery and host tools (no compiler needed)


def test_find_config_sources_reads_makefile():
    srcs = find_config_sources(TOY_TREE)
    assert [p.name for p in srcs.sources] == ["toyconfig.c", "gram.y", "scan.l", "strtab.c"]
    assert srcs.sources[-1] == TOY_TREE / "usr.bin" / "toyutil" / "strtab.c"  # via .PATH
    assert TOY_TREE / "usr.bin" / "toyutil" in srcs.include_dirs  # via CPPFLAGS -I
    assert [p.name for p in srcs.yacc_sources] == ["gram.y"]
    assert [p.name for p in srcs.lex_sources] == ["scan.l"]


def test_find_config_sources_without_makefile(tmp_path):
    d = tmp_path / "usr.bin" / "config"
    d.mkdir(parents=True)
    for name in ("b.c", "a.c", "gram.y", "scan.l", "notes.txt"):
        (d / name).write_text("")
    srcs = find_config_sources(tmp_path)
    assert sorted(p.name for p in srcs.sources) == ["a.c", "b.c", "gram.y", "scan.l"]


def test_tree_without_config_sources_is_user_error(tmp_path):
    with pytest.raises(ConfigBuildError) as ei:
        find_config_sources(tmp_path)
    assert "usr.bin/config" in ei.value.message
    assert any("RUMPBUILD_CONFIG" in h for h in ei.value.hints)


def test_makefile_with_unknown_variable_is_user_error(tmp_path):
    d = tmp_path / "usr.bin" / "config"
    d.mkdir(parents=True)
    (d / "Makefile").write_text("SRCS= main.c ${EXTRA_SRCS}\n")
    (d / "main.c").write_text("")
    with pytest.raises(ConfigBuildError, match=r"\$\{EXTRA_SRCS\}"):
        find_config_sources(tmp_path)


def test_missing_host_tools_name_debian_packages(tmp_path):
    with pytest.raises(ConfigBuildError) as ei:
        find_host_tools(env={"PATH": str(tmp_path)})
    err = ei.value
    assert "C compiler" in err.message and "yacc" in err.message and "lex" in err.message
    assert "apt-get install gcc byacc flex" in err.render()


def test_host_tool_from_env_must_exist(tmp_path):
    with pytest.raises(ConfigBuildError, match="HOST_YACC=no-such-yacc"):
        find_host_tools(env={"PATH": str(tmp_path), "HOST_YACC": "no-such-yacc"})


def test_rumpbuild_config_override(tmp_path):
    fake = tmp_path / "nbconfig"
    fake.write_text("#!/bin/sh\nexit 0\n")
    fake.chmod(0o755)
    assert config_tool(tmp_path / "nowhere", env={"RUMPBUILD_CONFIG": str(fake)}) == fake
    with pytest.raises(UserError, match="not an executable"):
        config_tool(tmp_path, env={"RUMPBUILD_CONFIG": str(tmp_path / "missing")})


def test_bad_arguments_are_user_errors(tmp_path):
    with pytest.raises(UserError, match="not a NetBSD sys folder"):
        generate_ioconf(tmp_path, TOY_IOCONF, tmp_path / "out")
    with pytest.raises(UserError, match="no such .ioconf"):
        generate_ioconf(TOY_SYS, tmp_path / "NONE.ioconf", tmp_path / "out")


def test_ioconf_inputs_follow_includes():
    assert ioconf_inputs(TOY_SYS, TOY_IOCONF) == [
        TOY_IOCONF, TOY_SYS / "conf" / "files", TOY_SYS / "dev" / "toy" / "files.toy"]


# --------------------------------------------------------------------------
# The toy tree: build config(1), generate, check the tables


@needs_tools
def test_toy_outputs(toy_outputs):
    out, paths = toy_outputs
    assert paths == [out / n for n in OUTPUT_NAMES]
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUT_NAMES)  # no temp folders left


@needs_tools
def test_toy_locators_h(toy_outputs):
    out, _ = toy_outputs
    assert (out / "locators.h").read_text() == (FIXTURES / "expected" / "locators.h").read_text()


@needs_tools
def test_toy_ioconf_h(toy_outputs):
    out, _ = toy_outputs
    assert (out / "ioconf.h").read_text() == (FIXTURES / "expected" / "ioconf.h").read_text()


@needs_tools
def test_toy_ioconf_c_golden(toy_outputs):
    out, _ = toy_outputs
    got = _normalise((out / "ioconf.c").read_text())
    assert got == (FIXTURES / "expected" / "ioconf.c").read_text()
    assert f'ioconf.c, from "{TOY_IOCONF}"' in (out / "ioconf.c").read_text()


@needs_tools
def test_toy_ioconf_c_tables(toy_outputs):
    out, _ = toy_outputs
    text = (out / "ioconf.c").read_text()
    assert "#define IOCONF toy\n" in text
    drivers = re.search(r"cfdriver_ioconf_toy\[\] = \{\n(.*?)\tNULL\n\};", text, re.S).group(1)
    assert re.findall(r"&(\w+)_cd", drivers) == ["toyctl", "toydisk", "toyhub", "toyserial", "toylog"]
    # locators in attribute order, defaults filled in, `?` keeps the default
    assert re.search(r"static int loc\[7\] = \{\n\t2, 5, -1, 7, -1, -1, 9, \n\};", text)
    rows = re.findall(r'\{ "(\w+)",\t"(\w+)",\t ?(\d+), (\w+), loc\+ *(\d+),\s+0, &pspec(\d+) \}', text)
    assert rows == [
        ("toydisk", "toydisk", "0", "STAR", "0", "0"),
        ("toyhub", "toyhub", "0", "STAR", "2", "1"),
        ("toyserial", "toyserial", "0", "STAR", "4", "2"),
        ("toydisk", "toydisk", "0", "STAR", "5", "3"),
    ]
    assert '"toyportbus", "toyhub", DVUNIT_ANY' in text
    attach = re.search(r"cfattach_ioconf_toy\[\] = \{\n(.*?)\t\{ NULL, NULL \}", text, re.S).group(1)
    assert re.findall(r'\{ "(\w+)", (\w+)_cfattachinit \}', attach) == [
        ("toydisk", "toydisk"), ("toyhub", "toyhub"), ("toyserial", "toyserial")]


@needs_tools
def test_toy_ioconf_c_compiles_and_tables_hold(toy_outputs, tmp_path):
    """Compile the generated ioconf.c against stand-in kernel headers and
    walk its cfdata table at run time."""
    out, _ = toy_outputs
    cc = find_host_tools().cc
    main = tmp_path / "main.c"
    main.write_text(
        '#include <stdio.h>\n#include "ioconf.c"\n'
        'struct cfattach { const char *ca_name; };\n'
        'struct cfattach toydisk_ca, toyhub_ca, toyserial_ca;\n'
        'void toylogattach(int n) { (void)n; }\n'
        'int main(void) {\n'
        '  const struct cfdata *cf;\n'
        '  for (cf = cfdata_ioconf_toy; cf->cf_name; cf++)\n'
        '    printf("%s %d %d %s/%s %d\\n", cf->cf_name, cf->cf_unit, cf->cf_fstate,\n'
        '           cf->cf_pspec->cfp_parent, cf->cf_pspec->cfp_iattr, cf->cf_loc[0]);\n'
        '  printf("%d %s\\n", toyctl_cd.cd_attrs[0]->ci_loclen,\n'
        '         toyctl_cd.cd_attrs[0]->ci_locdesc[1].cld_name);\n'
        '  return 0;\n}\n')
    exe = tmp_path / "walk"
    subprocess.run([*cc, "-std=gnu99", "-Wall", "-Werror", "-Wno-unused-variable",
                    "-Wno-unused-const-variable", f"-I{TOY_SYS}", f"-I{out}", str(main), "-o", str(exe)],
                   check=True)
    lines = subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout.splitlines()
    assert lines == [
        "toydisk 0 2 toyctl/toybus 2",
        "toyhub 0 2 toyctl/toybus -1",
        "toyserial 0 2 toyhub/toyportbus -1",
        "toydisk 0 2 toyctl/toybus -1",
        "2 irq",
    ]


@needs_tools
def test_toy_root_instance(tmp_path):
    generate_ioconf(TOY_SYS, TOY_SYS / "rump/dev/lib/libtoy/MAIN.ioconf", tmp_path)
    text = (tmp_path / "ioconf.c").read_text()
    assert "/*  0: toymain0 at root */" in text
    assert '{ "toymain",\t"toymain",\t 0, NORM,    NULL,      0, NULL },' in text
    assert (tmp_path / "locators.h").read_text() == (FIXTURES / "expected" / "locators.h").read_text().split(
        "#define TOYPORTBUS")[0]


@needs_tools
def test_unchanged_outputs_keep_their_mtime(tmp_path):
    paths = generate_ioconf(TOY_SYS, TOY_IOCONF, tmp_path)
    before = [p.stat().st_mtime_ns for p in paths]
    os.utime(paths[0], ns=(1, 1))
    paths = generate_ioconf(TOY_SYS, TOY_IOCONF, tmp_path)
    assert paths[0].stat().st_mtime_ns == 1
    assert [p.stat().st_mtime_ns for p in paths[1:]] == before[1:]


@needs_tools
def test_config_error_is_user_error_with_location(tmp_path):
    with pytest.raises(IoconfError) as ei:
        generate_ioconf(TOY_SYS, TOY_SYS / "rump/dev/lib/libtoy/BROKEN.ioconf", tmp_path / "out")
    assert "BROKEN.ioconf:7: `track' is not a locator of `toybus'" in ei.value.message
    assert not (tmp_path / "out" / "ioconf.c").exists()
    assert list((tmp_path / "out").iterdir()) == []


@needs_tools
def test_config_binary_is_cached_and_rebuilt_on_change(tmp_path, ioconf_cache):
    tree = tmp_path / "tree"
    shutil.copytree(TOY_TREE, tree)
    first = config_tool(tree)
    assert first.is_file() and first.parent.parent == ioconf_cache / "config"
    assert (first.parent / "build.log").read_text().count("$ ") >= 6  # yacc, lex, 4 cc, link
    hosttool._memo.clear()
    mtime = first.stat().st_mtime_ns
    assert config_tool(tree) == first and first.stat().st_mtime_ns == mtime  # reused, not rebuilt
    # same sources in another place: same binary
    hosttool._memo.clear()
    tree2 = tmp_path / "tree2"
    shutil.copytree(TOY_TREE, tree2)
    assert config_tool(tree2) == first
    # a changed source: a new build
    with open(tree / "usr.bin/config/toyconfig.c", "a") as f:
        f.write("\n/* changed */\n")
    second = config_tool(tree)
    assert second != first and second.is_file()


@needs_tools
def test_compile_failure_is_user_error(tmp_path):
    tree = tmp_path / "tree"
    shutil.copytree(TOY_TREE, tree)
    with open(tree / "usr.bin/config/toyconfig.c", "a") as f:
        f.write("\nthis is not C;\n")
    with pytest.raises(ConfigBuildError) as ei:
        generate_ioconf(tree / "sys", tree / "sys/rump/dev/lib/libtoy/TOY.ioconf", tmp_path / "out")
    assert "failed at compile toyconfig.c" in ei.value.message
    assert any("build.log" in h for h in ei.value.hints)


@needs_tools
def test_compat_shim_functions(tmp_path):
    """rumpbuild's nbtool_config.h/util.h/vis.h and rumpbuild_compat.c."""
    cc = find_host_tools().cc
    prog = tmp_path / "t.c"
    prog.write_text(r'''
#include <util.h>
#include <vis.h>
struct e { TAILQ_ENTRY(e) link; int v; };
TAILQ_HEAD(eh, e);
__RCSID("$Id: test $");
int main(void) {
    char buf[8], out[64], back[64];
    struct eh head = TAILQ_HEAD_INITIALIZER(head);
    struct e items[3], *it, *nx;
    int *arr = NULL, i, sum = 0;
    if (strlcpy(buf, "abcdefghij", sizeof(buf)) != 10 || strcmp(buf, "abcdefg") != 0) return 1;
    strlcpy(buf, "ab", sizeof(buf));
    if (strlcat(buf, "cdefghij", sizeof(buf)) != 10 || strcmp(buf, "abcdefg") != 0) return 2;
    strvis(out, "a\tb\\c\001", VIS_TAB);
    if (strcmp(out, "a\\011b\\\\c\\001") != 0) return 3;
    if (strunvis(back, out) != 6 || strcmp(back, "a\tb\\c\001") != 0) return 4;
    if (reallocarr(&arr, 4, sizeof(*arr)) != 0) return 5;
    for (i = 0; i < 3; i++) { items[i].v = i + 1; TAILQ_INSERT_TAIL(&head, &items[i], link); }
    TAILQ_FOREACH_SAFE(it, &head, link, nx) { sum += it->v; TAILQ_REMOVE(&head, it, link); }
    if (sum != 6 || !TAILQ_EMPTY(&head)) return 6;
    free(arr);
    free(estrdup("x"));
    { char *s; easprintf(&s, "%d-%s", 7, "x"); if (strcmp(s, "7-x") != 0) return 7; free(s); }
    return (int)__arraycount(items) - 3;
}
''')
    exe = tmp_path / "t"
    compat = hosttool.COMPAT_DIR
    subprocess.run([*cc, *hosttool.BASE_CFLAGS, *hosttool.DEFINES, f"-I{compat}", "-include", "nbtool_config.h",
                    str(prog), str(compat / "rumpbuild_compat.c"), "-o", str(exe)], check=True)
    assert subprocess.run([str(exe)]).returncode == 0


# --------------------------------------------------------------------------
# A real NetBSD tree (RUMPBUILD_NETBSDSRC)


def _ioconf_name(path: Path) -> str:
    for line in path.read_text(errors="replace").splitlines():
        m = re.match(r"\s*ioconf\s+(\S+)", line)
        if m:
            return m.group(1)
    raise AssertionError(f"{path}: no ioconf line")


@needs_tools
def test_real_tree_every_ioconf(real_tree, tmp_path):
    sys_dir = real_tree / "sys"
    assert sys_dir / "conf" / "files" in ioconf_inputs(sys_dir, sys_dir / "rump/librump/rumpdev/MAINBUS.ioconf")
    ioconfs = sorted(sys_dir.rglob("*.ioconf"))
    assert ioconfs, "the tree has no .ioconf files"
    reference = os.environ.get("RUMPBUILD_NBCONFIG")
    differing = []
    for f in ioconfs:
        out = tmp_path / "mine" / str(f.relative_to(sys_dir)).replace("/", "_")
        paths = generate_ioconf(sys_dir, f, out)
        assert f"#define IOCONF {_ioconf_name(f)}\n" in paths[0].read_text()
        assert all(re.fullmatch(r"#define \w+CF_\w+ -?\w+", line)
                   for line in paths[2].read_text().splitlines())
        if reference:
            ref = tmp_path / "ref" / out.name
            ref.mkdir(parents=True)
            subprocess.run([reference, "-b", str(ref), "-s", str(sys_dir), str(f)],
                           check=True, capture_output=True)
            if any((ref / n).read_bytes() != (out / n).read_bytes() for n in OUTPUT_NAMES):
                differing.append(str(f.relative_to(real_tree)))
    assert differing == []


@needs_tools
def test_real_tree_mainbus_ioconf_compiles(real_tree, tmp_path):
    from rumpbuild.arch import resolve
    from rumpbuild.tree import find_tree
    from rumpbuild.tree.scan import scan

    sys_dir = real_tree / "sys"
    mainbus = sys_dir / "rump" / "librump" / "rumpdev" / "MAINBUS.ioconf"
    target = resolve("amd64")
    result = scan(find_tree(str(real_tree)), target.make_vars(), None, names=["rumpdev"])
    entry = next(e for e in result.entries if e.name == "rumpdev" and e.kind == "faction")
    assert entry.ioconf == "MAINBUS.ioconf"
    generate_ioconf(sys_dir, mainbus, tmp_path)
    for name, dest in target.klinks(sys_dir):
        (tmp_path / name).symlink_to(dest)
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.skip("no host C compiler")
    proc = subprocess.run([cc, *entry.cflags, *entry.cppflags, "-c", "ioconf.c", "-o", "ioconf.o"],
                          cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "error" not in proc.stderr
