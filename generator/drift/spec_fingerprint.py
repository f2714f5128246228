"""The cached spec database's catalog fingerprint, remembered in the project's cache.

The kept spec database (``schemactl_cache_spec_<key>``) is built once from one spec by one
version of the code and then only read, so its fingerprint (``generator.pg.fingerprint``) is
constant: a diff remembers it in ``.schemactl/cache/spec-fingerprint.json`` and later diffs of
the same spec on the same dev server read only the live side's (issue 19: "cache the spec
side ... so only the live side is read"). An entry names the spec's key, the dev server's
address and database, and a digest of the fingerprint's code; it is signed like every cache
file (``generator.cache_auth``): one committed into the project (which could otherwise make a
drifted database compare equal) is ignored.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

FILE = "spec-fingerprint.json"
MAX_ENTRIES = 8


def _code() -> str:
    from generator.pg import fingerprint

    return hashlib.sha256(Path(fingerprint.__file__).read_bytes()).hexdigest()[:16]


def ident(key: str, dev_url: str, name: str) -> str:
    """What an entry is for: the spec's key, the dev server and database, the code."""
    from generator.pg.urls import parse_url

    url = parse_url(dev_url)
    host = url.host or url.query.get("host") or ""
    port = url.port or url.query.get("port") or ""
    return f"{key}|{host}:{port}|{name}|{_code()}"


def path_of(spec: Any) -> Path | None:
    cache_path = getattr(spec, "cache_path", None)
    return Path(cache_path).parent / FILE if cache_path else None


def _content(entry_ident: str, value: str, version: str) -> bytes:
    return json.dumps([entry_ident, value, version]).encode()


def _load(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def read(path: Path | None, entry_ident: str) -> tuple[str, str] | None:
    """(fingerprint, server version) remembered for ``entry_ident``, only if this machine
    signed it."""
    from generator.cache_auth import verify

    if path is None:
        return None
    entry = _load(path).get(entry_ident)
    if not isinstance(entry, dict):
        return None
    value, version = entry.get("fingerprint"), entry.get("version")
    if isinstance(value, str) and isinstance(version, str):
        if verify(_content(entry_ident, value, version), entry.get("signature")):
            return value, version
    return None


def write(path: Path | None, entry_ident: str, value: str, version: str) -> None:
    from generator.cache_auth import sign

    if path is None:
        return
    signature = sign(_content(entry_ident, value, version))
    if signature is None:
        return  # nowhere to keep a secret: nothing is remembered, nothing is trusted
    data = _load(path)
    data.pop(entry_ident, None)
    data[entry_ident] = {"fingerprint": value, "version": version, "signature": signature}
    data = dict(list(data.items())[-MAX_ENTRIES:])
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass
