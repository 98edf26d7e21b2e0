"""Make variables rumpbuild sets on the command line of every evaluation.

They play the part of buildrump.sh's mk.conf and probes for a build on a
non-NetBSD host with a compiler that targets Linux: constructors instead of
link sets, `__thread` curlwp, no -Werror, no FORTIFY/SSP/PIE, and `-U` of the
compiler's Linux macros.  A command-line variable wins over any Makefile
assignment, as in make.
"""

from __future__ import annotations

HOST_MAKE_VARS = {
    "RUMP_LDSCRIPT": "ctor",
    "RUMP_CURLWP": "__thread",
    "NOGCCERROR": "yes",
    "USE_FORT": "no",
    "USE_SSP": "no",
    "MKPIE": "no",
    "RUMPKERN_UNDEF": "-Ulinux -U__linux -U__linux__ -U__gnu_linux__",
}


def make_vars(tree, target_vars: dict, overrides: dict | None = None) -> dict:
    """All command-line variables for evaluating a Makefile of *tree*."""
    v = dict(HOST_MAKE_VARS)
    v.update(target_vars)
    v["NETBSDSRCDIR"] = str(tree.root)
    v["TOPRUMP"] = str(tree.rump)  # buildrump passes it; 15 dev components need it
    if overrides:
        v.update(overrides)
    return {k: val for k, val in v.items() if val is not None}  # None: leave undefined
