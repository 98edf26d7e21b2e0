"""jinja2 templates: the top-level templates/ folder, shipped in the wheel as rumpbuild/template_files."""

from __future__ import annotations

import functools
import pprint
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
# an installed wheel (pyproject.toml maps templates/ there), then a checkout (editable install)
CANDIDATES = (PACKAGE / "template_files", PACKAGE.parent / "templates")


def template_dir() -> Path:
    for cand in CANDIDATES:
        if (cand / "SConscript.j2").is_file():
            return cand
    raise AssertionError("rumpbuild's templates are missing from this installation (looked in "
                         + ", ".join(map(str, CANDIDATES)) + "); reinstall rumpbuild from its wheel")


@functools.lru_cache(maxsize=1)
def environment():
    """The jinja2 environment (imported on first use: a no-op rebuild renders nothing)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(template_dir())),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["pyrepr"] = pyrepr
    return env


def pyrepr(value, width: int = 110) -> str:
    """A Python literal for generated code, wrapped like pprint's compact style.

    Lists of strings (every compile argv) are wrapped here: pprint took a
    third of the time of writing a build's SConscripts.
    """
    if isinstance(value, list) and all(isinstance(x, str) for x in value):
        text = repr(value)
        if len(text) <= width:
            return text
        lines, line = [], "["
        for i, word in enumerate(value):
            piece = repr(word) + ("]" if i == len(value) - 1 else ",")
            if line not in ("[", " ") and len(line) + 1 + len(piece) > width:
                lines.append(line)
                line = " " + piece
            else:
                line += ("" if line in ("[", " ") else " ") + piece
        lines.append(line)
        return "\n".join(lines)
    if isinstance(value, (list, dict)):
        return pprint.pformat(value, width=width, compact=True)
    return repr(value)


def render(name: str, **context) -> str:
    return environment().get_template(name).render(**context)
