"""What a validated state file holds: configuration steps in order and the mount."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Disk:
    """What a cgd or a RAID component sits on: a host image (with an optional partition
    suffix such as ``%DISKLABEL:e%``) or a device configured by an earlier step."""

    path: str | None = None  # absolute host path, suffix stripped
    suffix: str = ""  # "%DISKLABEL:e%", "%MBR:1%" or ""
    device: str | None = None  # "cgd0", "raid0" … when it sits on a configured device


@dataclass(frozen=True)
class CgdStep:
    device: str  # cgd0
    disk: Disk
    cipher: str  # aes-xts | aes-cbc | 3des-cbc | blowfish-cbc
    keylength: int  # bits
    iv: str  # encblkno1 | encblkno8
    key: bytes  # keylength/8 bytes, read from the key file or derived with PBKDF2
    line: int  # where its [[cgd]] header is
    key_file: str | None = None  # absolute path of key.file (read again at run time by rump_<fs>)

    kind = "cgd"


@dataclass(frozen=True)
class RaidStep:
    device: str  # raid0
    level: int  # 0 | 1 | 5
    components: tuple[Disk, ...]  # Disk() with neither path nor device: "absent" (degraded)
    sectors_per_su: int
    sus_per_pu: int
    sus_per_ru: int
    serial: int  # component-label serial number written by --init-from (raidctl -I)
    line: int
    rebuild: int = -1  # column to rebuild in place after configuring (raidctl -R), or -1

    kind = "raid"


@dataclass(frozen=True)
class MountSpec:
    fs: str
    device: str  # cgd0, cgd0a, raid0, raid0e …
    line: int

    @property
    def base_device(self) -> str:
        """The configured device the mount uses: "cgd0" for "cgd0a"."""
        return self.device.rstrip("abcdefghijklmnop") if self.device[-1:].isalpha() else self.device

    @property
    def partition(self) -> str | None:
        return self.device[-1] if self.device[-1:].isalpha() else None


@dataclass
class State:
    path: str  # the state file
    steps: list = field(default_factory=list)  # CgdStep | RaidStep, in file order
    mount: MountSpec | None = None

    @property
    def drivers(self) -> list[str]:
        """The kernel drivers the steps need, in first-use order ("cgd", "raid")."""
        seen: list[str] = []
        for s in self.steps:
            if s.kind not in seen:
                seen.append(s.kind)
        return seen

    def images(self) -> list[Disk]:
        """Every host image, once, in the order the steps use them."""
        out: list[Disk] = []
        for s in self.steps:
            for d in ((s.disk,) if s.kind == "cgd" else s.components):
                if d.path and d not in out:
                    out.append(d)
        return out
