"""`python3 -m rumpbuild.images FORMAT ...`: the image writers as commands (images.toml runs them).

  v7fs IMAGE DIR [--size BYTES] [--inodes N] [--endian little|big|pdp]
      write IMAGE: a fresh v7fs holding the tree under DIR
  sysvbfs IMAGE DIR [--endian little|big]
      put DIR's files into IMAGE, a BFS that mkfs.bfs formatted (then byte-swapped for big)
  efs IMAGE DIR [--size BYTES] [--inodes N]
      write IMAGE: a fresh EFS (SGI IRIX, big-endian) holding the tree under DIR

Bad input: one message, exit 1.
"""

from __future__ import annotations

import argparse
import sys

from rumpbuild.errors import UserError


def _size(text: str) -> int:
    units = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
    t = text.strip().lower()
    try:
        return int(t[:-1]) * units[t[-1]] if t and t[-1] in units else int(t)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a size (bytes, or with k/m/g: 4m)") from None


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python3 -m rumpbuild.images", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="format", required=True)
    v7 = sub.add_parser("v7fs", help="write a v7fs image holding a folder")
    v7.add_argument("image")
    v7.add_argument("dir")
    v7.add_argument("--size", type=_size, default=4 << 20, help="image size (default 4m)")
    v7.add_argument("--inodes", type=int, default=256, help="inodes (default 256)")
    v7.add_argument("--endian", default="little", help="little (default), big or pdp")
    bfs = sub.add_parser("sysvbfs", help="put a folder's files into a BFS image made by mkfs.bfs")
    bfs.add_argument("image")
    bfs.add_argument("dir")
    bfs.add_argument("--endian", default="little", help="little (default; as mkfs.bfs writes) or big")
    efs = sub.add_parser("efs", help="write an EFS image (SGI IRIX) holding a folder")
    efs.add_argument("image")
    efs.add_argument("dir")
    efs.add_argument("--size", type=_size, default=4 << 20, help="image size (default 4m)")
    efs.add_argument("--inodes", type=int, default=128, help="inodes (default 128)")
    args = p.parse_args(argv)
    try:
        if args.format == "v7fs":
            from rumpbuild.images.v7fs import write_image

            write_image(args.image, args.dir, size=args.size, inodes=args.inodes, endian=args.endian)
        elif args.format == "efs":
            from rumpbuild.images.efs import write_image as write_efs

            write_efs(args.image, args.dir, size=args.size, inodes=args.inodes)
        else:
            from rumpbuild.images.sysvbfs import add_files

            add_files(args.image, args.dir, endian=args.endian)
    except UserError as exc:
        print(exc.render(), file=sys.stderr)
        return exc.exit_status
    except OSError as exc:  # a missing image or folder, a full disk
        print(UserError(f"{exc.filename or ''}: {exc.strerror}").render(), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
