"""`rumpbuild ci --emit-workflow github`: a GitHub Actions workflow for a NetBSD source repository."""

from __future__ import annotations

from rumpbuild.templates import render

DEFAULT_ARCHES = ["amd64", "evbarm", "evbarm64"]
# Debian/Ubuntu packages the CI job needs: images for the smoke tests, qemu for other arches,
# byacc/flex for the tree's config(1) (ioconf.c)
APT_PACKAGES = ["qemu-user", "dosfstools", "mtools", "e2fsprogs", "makefs", "cpio", "byacc", "flex"]
FLAVOURS = ("github",)


def github_workflow(arches: list[str], components: str, toolchain: str, defines: list[str],
                    pip_spec: str = "rumpbuild") -> str:
    return render("github-workflow.yml.j2", arches=arches, components=components, toolchain=toolchain,
                  defines=defines, apt_packages=APT_PACKAGES, pip_spec=pip_spec)
