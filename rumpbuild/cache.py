"""The one folder rumpbuild keeps its caches in (toolchain probes, stored plans, host tools).

``$RUMPBUILD_CACHE_DIR``, else ``$XDG_CACHE_HOME/rumpbuild``, else ``~/.cache/rumpbuild``.
Everything in it can be rebuilt: `rm -r` it any time.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping


def cache_dir(*parts: str, env: Mapping[str, str] | None = None) -> Path:
    """The cache folder (or ``parts`` joined below it); nothing is created here."""
    env = os.environ if env is None else env
    if env.get("RUMPBUILD_CACHE_DIR"):
        base = Path(env["RUMPBUILD_CACHE_DIR"])
    elif env.get("XDG_CACHE_HOME"):
        base = Path(env["XDG_CACHE_HOME"]) / "rumpbuild"
    else:
        base = Path.home() / ".cache" / "rumpbuild"
    return base.joinpath(*parts)
