"""jinja2 templates from the top-level templates/ folder."""

from __future__ import annotations

import functools
import pprint
import sys
from pathlib import Path

import jinja2


def template_dir() -> Path:
    here = Path(__file__).resolve().parent
    for cand in (here.parent / "templates", Path(sys.prefix) / "share" / "rumpbuild" / "templates"):
        if cand.is_dir():
            return cand
    raise AssertionError("rumpbuild's templates/ folder is missing from this installation")


@functools.lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(template_dir())),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["pyrepr"] = lambda v: pprint.pformat(v, width=110, compact=True) if isinstance(v, (list, dict)) else repr(v)
    return env


def render(name: str, **context) -> str:
    return environment().get_template(name).render(**context)
