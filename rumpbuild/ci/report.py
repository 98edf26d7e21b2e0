"""The dist folder of a CI run.

    dist/<MACHINE_ARCH>/lib*.a lib*_pic.a lib*.so.N lib*.so   hard links (or copies) of the build
    dist/<MACHINE_ARCH>/compile_commands.json                  every library attempted on that arch
    dist/junit.xml      one testcase per component × arch × step (classname ci.<MACHINE_ARCH>.<component>)
    dist/summary.json   format 1, described in README.md (`rumpbuild ci`)
    dist/summary.md     a Markdown table for a CI summary page
"""

from __future__ import annotations

import json
import os
import shutil
import xml.etree.ElementTree as ET

from rumpbuild.ci.matrix import FAIL, PASS, SKIP
from rumpbuild.errors import UserError
from rumpbuild.fsutil import write_atomic

SUMMARY_FORMAT = 1
ICON = {PASS: "✅", FAIL: "❌", SKIP: "⏭"}


def cases(run) -> list[dict]:
    """Every test case: {arch, component, step, status, detail, seconds} in run order."""
    out = []
    for a in run.arches:
        if a.base is not None:
            out.append(dict(arch=a.machine_arch, component="base", step="build", **a.base.to_dict()))
        for c in a.components.values():
            out.append(dict(arch=a.machine_arch, component=c.name, step="build", **c.build.to_dict()))
            if c.smoke_steps:
                seen = {}
                for s in c.smoke_steps:
                    name = f"smoke.{s.name}" + (f"[{s.variant}]" if s.variant else "")
                    seen[name] = seen.get(name, 0) + 1
                    if seen[name] > 1:
                        name += f"#{seen[name]}"
                    out.append(dict(arch=a.machine_arch, component=c.name, step=name, status=s.status,
                                    detail=s.detail, seconds=0.0))
            elif c.smoke is not None:
                out.append(dict(arch=a.machine_arch, component=c.name, step="smoke", **c.smoke.to_dict()))
    return out


def junit_xml(run) -> bytes:
    all_cases = cases(run)
    # attributes as the JUnit schema has them (Jenkins junit-10.xsd): no `skipped` on <testsuites>
    suites = ET.Element("testsuites", name="rumpbuild ci", tests=str(len(all_cases)),
                        failures=str(sum(c["status"] == FAIL for c in all_cases)), errors="0",
                        time=f"{run.seconds:.2f}")
    for a in run.arches:
        mine = [c for c in all_cases if c["arch"] == a.machine_arch]
        suite = ET.SubElement(suites, "testsuite", name=f"rumpbuild ci {a.machine_arch}", tests=str(len(mine)),
                              failures=str(sum(c["status"] == FAIL for c in mine)), errors="0",
                              skipped=str(sum(c["status"] == SKIP for c in mine)),
                              time=f"{sum(c['seconds'] for c in mine):.2f}")
        props = ET.SubElement(suite, "properties")
        for k, v in (("machine", a.machine), ("machine_arch", a.machine_arch), ("toolchain", a.toolchain)):
            ET.SubElement(props, "property", name=k, value=v)
        for c in mine:
            tc = ET.SubElement(suite, "testcase", classname=f"ci.{a.machine_arch}.{c['component']}",
                               name=c["step"], time=f"{c['seconds']:.2f}")
            first = (c["detail"] or "").strip().splitlines()
            if c["status"] == FAIL:
                el = ET.SubElement(tc, "failure", message=(first[0] if first else "failed")[:500], type="FAIL")
                el.text = c["detail"]
            elif c["status"] == SKIP:
                ET.SubElement(tc, "skipped", message=(first[0] if first else "skipped")[:500])
            elif c["detail"]:
                ET.SubElement(tc, "system-out").text = c["detail"]
    ET.indent(suites)
    return ET.tostring(suites, encoding="utf-8", xml_declaration=True) + b"\n"


def summary(run) -> dict:
    all_cases = cases(run)
    doc = {
        "format": SUMMARY_FORMAT,
        "ok": not run.failed,
        "src": run.src,
        "example_tree": run.example_tree,
        "selection": run.selection,
        "seconds": round(run.seconds, 2),
        "arches": [a.machine_arch for a in run.arches],
        "components": _component_names(run),
        "totals": {"tests": len(all_cases), "passed": sum(c["status"] == PASS for c in all_cases),
                   "failed": sum(c["status"] == FAIL for c in all_cases),
                   "skipped": sum(c["status"] == SKIP for c in all_cases)},
        "results": {},
        "failures": [{"arch": c["arch"], "component": c["component"], "step": c["step"], "message": c["detail"]}
                     for c in all_cases if c["status"] == FAIL],
    }
    for a in run.arches:
        doc["results"][a.machine_arch] = {
            "machine": a.machine,
            "toolchain": a.toolchain,
            "base": a.base.to_dict() | {"libraries": a.base_libs} if a.base else None,
            "files": sorted(f for lib in a.libraries for f in _dist_names(lib)
                            if os.path.lexists(os.path.join(lib.outdir, f))),
            "components": {
                c.name: {
                    "lib": c.lib,
                    "status": _cell_status(c),
                    "build": c.build.to_dict(),
                    "smoke": None if c.smoke is None else c.smoke.to_dict() | {
                        "steps": [{"name": s.name, "variant": s.variant, "status": s.status, "detail": s.detail}
                                  for s in c.smoke_steps]},
                } for c in a.components.values()
            },
        }
    return doc


def _component_names(run) -> list[str]:
    names = []
    for a in run.arches:
        names += [n for n in a.components if n not in names]
    return names


def _cell_status(c) -> str:
    if c.failed:
        return FAIL
    if c.build.status == SKIP:
        return SKIP
    return PASS


def summary_md(run) -> str:
    doc = summary(run)
    arches = doc["arches"]
    t = doc["totals"]
    lines = [f"## rumpbuild ci: {'✅ passed' if doc['ok'] else '❌ failed'}", "",
             f"{t['tests']} tests: {t['passed']} passed, {t['failed']} failed, {t['skipped']} skipped "
             f"({doc['seconds']:.0f} s; selection `{doc['selection']}`)", "",
             "| component | " + " | ".join(f"`{a}`" for a in arches) + " |",
             "|---|" + "---|" * len(arches)]
    notes = []

    def note(text):
        notes.append(text)
        return f"<sup>[{len(notes)}]</sup>"

    base_row = "| *base* |"
    for a in arches:
        b = doc["results"][a]["base"]
        if b is None:
            base_row += " |"
        else:
            base_row += f" {ICON[b['status']]}" + (f" {note(f'`{a}` base: ' + _short(b['detail']))}"
                                                  if b["status"] == FAIL else "") + " |"
    lines.append(base_row)
    for name in doc["components"]:
        row = f"| {name} |"
        for a in arches:
            c = doc["results"][a]["components"].get(name)
            if c is None:
                row += " |"
                continue
            build, smoke = c["build"], c["smoke"]
            cell = f" {ICON[build['status']]}"
            if build["status"] == FAIL:
                cell += " " + note(f"`{a}` {name} build: " + _short(build["detail"]))
            if smoke is not None:
                cell += f" / {ICON[smoke['status']]}"
                if smoke["status"] == FAIL:
                    cell += " " + note(f"`{a}` {name} smoke: " + _short(smoke["detail"]))
            row += cell + " |"
        lines.append(row)
    lines += ["", "Cells: build / smoke test. ✅ passed, ❌ failed, ⏭ skipped (the reason is in junit.xml "
              "and summary.json)."]
    if notes:
        lines += ["", "### Failures", ""]
        lines += [f"{i}. {n}" for i, n in enumerate(notes, 1)]
    return "\n".join(lines) + "\n"


def _short(text: str, limit: int = 300) -> str:
    text = " ".join((text or "").split())
    text = text.replace("|", "\\|").replace("`", "'")
    return text[:limit] + ("…" if len(text) > limit else "")


def _dist_names(lib) -> list[str]:
    return [os.path.basename(p) for p in (lib.archive, lib.pic_archive, lib.shared, lib.shared_link)]


def _place(src: str, dst: str) -> None:
    if os.path.islink(src):
        os.symlink(os.readlink(src), dst)
        return
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def prepare_dist(dist: str) -> None:
    """Empty *dist*, refusing folders that do not look like an earlier dist."""
    if os.path.isdir(dist) and os.listdir(dist):
        if not os.path.isfile(os.path.join(dist, "summary.json")):
            raise UserError(f"{dist} is not empty and holds no summary.json (not a rumpbuild ci dist folder)",
                            ["pass an empty or new folder with --dist", "or remove it"])
        shutil.rmtree(dist)
    os.makedirs(dist, exist_ok=True)


def write_dist(run, dist: str) -> None:
    for a in run.arches:
        folder = os.path.join(dist, a.machine_arch)
        os.makedirs(folder, exist_ok=True)
        for lib in a.libraries:
            for path in (lib.archive, lib.pic_archive, lib.shared, lib.shared_link):
                if os.path.lexists(path):
                    dst = os.path.join(folder, os.path.basename(path))
                    if os.path.lexists(dst):
                        os.unlink(dst)
                    _place(path, dst)
        write_atomic(os.path.join(folder, "compile_commands.json"), json.dumps(a.compile_commands, indent=1) + "\n")
    with open(os.path.join(dist, "junit.xml"), "wb") as f:
        f.write(junit_xml(run))
    write_atomic(os.path.join(dist, "summary.json"), json.dumps(summary(run), indent=1, ensure_ascii=False) + "\n")
    write_atomic(os.path.join(dist, "summary.md"), summary_md(run))
