"""The `rumpbuild` command line: dispatch to one module per subcommand.

Exit statuses: 0 success, 1 user error (message, no traceback), 2 rumpbuild
bug (traceback), any other status is a failed subprocess's own.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback

from rumpbuild import __version__
from rumpbuild.commands import COMMAND_MODULES
from rumpbuild.errors import UserError, machine_error
from rumpbuild.model.outlock import release_all

EPILOG = """\
examples:
  rumpbuild scan                          list components and modules of the bundled example tree
  rumpbuild scan --src ~/netbsd/src --json
  rumpbuild arches                        NetBSD machines rumpbuild can build for

Without --src every command works on the example tree that ships with rumpbuild.
"""


class _Parser(argparse.ArgumentParser):
    """Usage errors are user errors: exit status 1 (2 is kept for rumpbuild bugs)."""

    def error(self, message):
        self.print_usage(sys.stderr)
        self.exit(1, f"rumpbuild: error: {message}\nThings to try:\n  - {self.prog} --help\n")


def _load(name: str):
    return importlib.import_module(f"rumpbuild.commands.{COMMAND_MODULES[name]}").COMMAND


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="rumpbuild",
        description="Build NetBSD rump kernel component libraries from a NetBSD source tree, "
        "for any NetBSD machine.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"rumpbuild {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMAND_MODULES:
        cmd = _load(name)
        p = sub.add_parser(
            name,
            help=cmd.help,
            description=cmd.description,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        cmd.add_arguments(p)
        p.set_defaults(_command=cmd)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "_command", None):
        parser.print_help()
        return 1
    failed = True
    try:
        status = int(args._command.run(args) or 0)
        failed = status != 0
        return status
    except UserError as exc:
        print(exc.render(), file=sys.stderr)
        return exc.exit_status
    except KeyboardInterrupt:
        print("rumpbuild: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except OSError as exc:  # a full or read-only disk, a file given as --out: the machine's, not a bug
        err = machine_error(exc)
        if err is None:
            return _bug()
        print(err.render(), file=sys.stderr)
        return err.exit_status
    except Exception:  # a bug in rumpbuild, not in the user's input
        return _bug()
    finally:
        release_all(failed)


def _bug() -> int:
    """Report the exception being handled as a rumpbuild bug: traceback, exit status 2."""
    traceback.print_exc()
    print("rumpbuild: internal error; this is a rumpbuild bug, please report it with the traceback above.",
          file=sys.stderr)
    if os.environ.get("RUMPBUILD_FORCE_BACKTRACE"):
        raise  # the exception main() is handling
    return 2
