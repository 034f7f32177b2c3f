"""Everything one run measured, as written to bench/results/*.json."""

from __future__ import annotations

import msgspec

from bench.fixture import Fixture
from bench.machine import Machine
from bench.stats import Summary
from bench.syscalls import Rate


class Config(msgspec.Struct, frozen=True, kw_only=True):
    entries: int
    list_rounds: int
    list_repeats: int
    strace_listings: int
    uploads: int
    upload_rounds: int
    strace_uploads: tuple[int, int]  # file counts of the two runs
    pinning: str


class ListingRow(msgspec.Struct, frozen=True, kw_only=True):
    variant: str
    ms: Summary
    vs_floor_os: float  # median / median of the os.getxattr floor
    vs_floor_pyxattr: float  # median / median of the pyxattr floor
    vs_stat: float  # median / median of scandir + stat


class SyscallRow(msgspec.Struct, frozen=True, kw_only=True):
    variant: str
    fsync: bool | None  # uploads only
    per_unit: Rate


class UploadRow(msgspec.Struct, frozen=True, kw_only=True):
    variant: str
    fsync: bool
    files_per_s: Summary
    vs_floor: float  # median files/s / the floor's, same fsync mode


class Results(msgspec.Struct, frozen=True, kw_only=True):
    machine: Machine
    config: Config
    fixture: Fixture
    listing: list[ListingRow]
    listing_syscalls: list[SyscallRow]
    uploads: list[UploadRow]
    upload_syscalls: list[SyscallRow]
    runtime_s: float
