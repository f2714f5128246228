"""Signatures for the caches schemactl keeps in a project's ``.schemactl/cache/``.

That folder is git-ignored, but a pull request can still commit files into it (``git add
-f``), and its key is no secret: it hashes the spec and schemactl's public code. A cache file
that a pull request planted with the right key would then be trusted: the spec's DDL
statements (``generator.drift.spec_db``) would run on the dev server without the spec being
validated, and a pickled Spec (``generator.spec.cache``) would be unpickled, which runs code.

So each cache file carries an HMAC-SHA256 of its content under a random secret kept outside
every project, in the user's cache folder (``$XDG_CACHE_HOME/schemactl/cache-secret``, else
``~/.cache/...``, mode 0600). A file without a valid signature is ignored like a stale one.
When no secret can be kept (no writable home), nothing is signed and nothing is trusted:
the caches are only a speed-up.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

SECRET_BYTES = 32


def secret_path() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "schemactl" / "cache-secret"


def _secret() -> bytes | None:
    path = secret_path()
    try:
        data = path.read_bytes()
        if len(data) >= SECRET_BYTES:
            return data
    except OSError:
        pass
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(secrets.token_bytes(SECRET_BYTES))
        try:
            os.link(tmp, path)  # the first writer wins; a concurrent one reads its secret
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
        data = path.read_bytes()
        return data if len(data) >= SECRET_BYTES else None
    except OSError:
        return None


def sign(data: bytes) -> str | None:
    """The hex signature of ``data``, or None when no secret can be kept."""
    key = _secret()
    return hmac.new(key, data, hashlib.sha256).hexdigest() if key is not None else None


def verify(data: bytes, signature: object) -> bool:
    """True only if ``signature`` is this machine's signature of ``data``."""
    if not isinstance(signature, str):
        return False
    expected = sign(data)
    return expected is not None and hmac.compare_digest(expected, signature)
