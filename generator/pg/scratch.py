"""Scratch objects a run owns, named so that a later run can reap those of dead runs.

A killed ``generate`` (SIGKILL, a server stopped under it) cannot drop its scratch databases
or remove its temporary folder. So every scratch name carries its owner:

    <prefix>_<UTC yyyymmddHHMMSS>_p<pid>_<host6>_<rand4>      (a database, at most 63 bytes)
    <root>/.schemactl/tmp/<prefix>-<UTC stamp>-p<pid>-<host6>-<rand4>   (a folder)

``host6`` is the first 6 hex digits of sha256(hostname, boot id, pid namespace). A later run reaps a scratch object
(``abandoned``) when

- it was made on this host and its process is gone (or the pid now belongs to a process that
  started after the object was made: a reused pid), or
- it was made on another host (a dev server shared by several CI machines: their pids mean
  nothing here) and is older than ``STALE_SECONDS``, or
- its name has the older form ``<prefix>_<stamp>_<hex8>`` (no owner) and it is older than
  ``STALE_SECONDS``.

Pure standard library; nothing here connects to a database.
"""

from __future__ import annotations

import calendar
import contextlib
import hashlib
import os
import re
import secrets
import shutil
import socket
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

MAX_IDENTIFIER = 63
STALE_SECONDS = 3600.0  # a scratch object of another host (or without an owner) this old is dead
START_SLACK = 2.0  # seconds: a process that started this much after the stamp is not the owner
TMP_DIR = Path(".schemactl") / "tmp"
# scratch databases schemactl makes (never the kept ones, schemactl_cache_*: generator.pg.dbcache)
SCRATCH_DATABASE = re.compile(r"^schemactl_(?!cache_)")
_OWNED = re.compile(r"[_-](?P<stamp>\d{14})[_-]p(?P<pid>\d+)[_-](?P<host>[0-9a-f]{6})[_-][0-9a-f]{4}$")
_LEGACY = re.compile(r"_(?P<stamp>\d{14})_[0-9a-f]{8}$")


@dataclass(frozen=True)
class Owner:
    stamp: float  # UTC seconds when the object was made
    pid: int | None  # None: an older name without an owner
    host: str | None


_HOST_ID: str | None = None


def host_id() -> str:
    """6 hex digits naming where pids mean something: the host name, and on Linux the boot
    id and the pid namespace (two containers of one machine, even with the same host name,
    never read each other's pids)."""
    global _HOST_ID
    if _HOST_ID is None:
        parts = [socket.gethostname()]
        with contextlib.suppress(OSError):
            parts.append(Path("/proc/sys/kernel/random/boot_id").read_text().strip())
        with contextlib.suppress(OSError):
            parts.append(os.readlink("/proc/self/ns/pid"))
        _HOST_ID = hashlib.sha256("\0".join(parts).encode()).hexdigest()[:6]
    return _HOST_ID


def _stamp() -> str:
    return time.strftime("%Y%m%d%H%M%S", time.gmtime())


def owned_suffix(sep: str = "_") -> str:
    """``_<stamp>_p<pid>_<host6>_<rand4>`` for this process (``sep`` between the parts)."""
    return sep + sep.join((_stamp(), f"p{os.getpid()}", host_id(), secrets.token_hex(2)))


def database_name(prefix: str) -> str:
    """A unique scratch database name that names its owner; at most 63 bytes."""
    clean = re.sub(r"[^a-z0-9_]", "_", prefix.lower()) or "scratch"
    suffix = owned_suffix("_")
    return clean[: MAX_IDENTIFIER - len(suffix)] + suffix


def owner_of(name: str) -> Owner | None:
    """Who made a scratch object, from its name; None when the name has no stamp."""
    found = _OWNED.search(name)
    if found:
        return Owner(_utc(found["stamp"]), int(found["pid"]), found["host"])
    found = _LEGACY.search(name)
    if found:
        return Owner(_utc(found["stamp"]), None, None)
    return None


def _utc(stamp: str) -> float:
    return float(calendar.timegm(time.strptime(stamp, "%Y%m%d%H%M%S")))


def abandoned(name: str, now: float | None = None, max_age: float = STALE_SECONDS) -> bool:
    """True when the run that made ``name`` is gone (see the module's rules)."""
    owner = owner_of(name)
    if owner is None:
        return False  # not a name schemactl makes: never touched
    now = time.time() if now is None else now
    if owner.pid is None or owner.host != host_id():
        return now - owner.stamp > max_age
    return not _alive_since(owner.pid, owner.stamp)


def _alive_since(pid: int, stamp: float) -> bool:
    """Is ``pid`` a running process that started no later than ``stamp`` (so, the owner)?"""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # someone else's process: alive
    started = process_start(pid)
    return started is None or started <= stamp + START_SLACK


def process_start(pid: int) -> float | None:
    """When ``pid`` started (UTC seconds), from /proc on Linux; None where unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        ticks = int(stat.rsplit(")", 1)[1].split()[19])  # field 22: starttime, in clock ticks
        boot = next(
            float(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines() if line.startswith("btime ")
        )
        return boot + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return None


# ------------------------------------------------------------------------- temporary folders


@contextlib.contextmanager
def scratch_dir(root: Path, prefix: str) -> Iterator[Path]:
    """A temporary folder under ``<root>/.schemactl/tmp`` named by its owner, removed
    afterwards; folders of dead runs there are reaped first."""
    base = root / TMP_DIR
    base.mkdir(parents=True, exist_ok=True)
    reap_dirs(root)
    while True:
        path = base / (prefix + owned_suffix("-"))
        try:
            path.mkdir(mode=0o700)
            break
        except FileExistsError:  # the same second, the same 4 random hex digits
            continue
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


LEGACY_TMP_PREFIXES = ("schemactl-rev-", "schemactl-seedrev-")  # /tmp folders of older versions


def reap_dirs(root: Path, now: float | None = None) -> list[Path]:
    """Remove scratch folders of dead runs: under ``<root>/.schemactl/tmp`` by their owner,
    and ``/tmp/schemactl-rev-*`` of older versions (no owner in the name) that belong to this
    user and were last changed more than ``STALE_SECONDS`` ago. Returns what was removed."""
    removed: list[Path] = []
    now = time.time() if now is None else now
    base = root / TMP_DIR
    for path in sorted(base.iterdir()) if base.is_dir() else []:
        if path.is_dir() and abandoned(path.name, now):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    tmp = Path(tempfile.gettempdir())
    with contextlib.suppress(OSError):
        for path in tmp.iterdir():
            if not path.name.startswith(LEGACY_TMP_PREFIXES) or not path.is_dir():
                continue
            with contextlib.suppress(OSError):
                info = path.stat()
                if info.st_uid == os.getuid() and now - info.st_mtime > STALE_SECONDS:
                    shutil.rmtree(path, ignore_errors=True)
                    removed.append(path)
    return removed
