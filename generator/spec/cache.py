"""A content-hash cache of the last valid spec: ``<root>/.schemactl/cache/spec.pickle``.

``load_spec_cached`` returns the same ``Spec`` as ``generator.spec.load_spec``. When the
spec file's bytes, the name it is shown under, the code and bundled JSON Schemas that build
a Spec (``generator/spec/``, ``naming.py``, ``errors.py``), and the Python, PyYAML and
jsonschema versions all hash to the key stored with the last valid spec, that Spec is
unpickled instead of parsed and validated again; otherwise the spec is loaded as usual and,
if valid, stored. Only valid specs are stored, so an error is
always found and reported afresh. The cache is a convenience, never a source of failure:
a missing, stale, corrupt or unreadable file is ignored (the load is just slower), and a
failure to write it (a read-only folder) is ignored too.

The file starts with a header line holding its key, then this machine's signature of the
file (``generator.cache_auth``); a file whose key differs or whose signature does not verify
is never unpickled. It lives in the project's git-ignored ``.schemactl/`` folder, but a pull
request can commit one there, and its key is no secret: the signature's secret is kept
outside every project.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from functools import cache
from pathlib import Path

from generator.spec import Spec, parse_spec
from generator.spec.source import decode, gc_paused, read_bytes

CACHE_FILE = Path(".schemactl") / "cache" / "spec.pickle"
_MAGIC = b"schemactl-spec-cache 1 "
_SPEC_PACKAGE = Path(__file__).resolve().parent  # generator/spec/
# The code a Spec is built by: generator/spec/ and what it imports from outside it (the errors,
# whose base lives in cadb/).
_CODE = (_SPEC_PACKAGE.parent / "errors.py", _SPEC_PACKAGE.parent.parent / "cadb" / "errors.py")


@cache
def _code_digest() -> bytes:
    """The code and schemas that build a Spec, and the versions that shape it."""
    import yaml

    digest = hashlib.sha256()
    digest.update(sys.version.encode())
    digest.update(str(getattr(yaml, "__version__", "")).encode())
    digest.update(_dist_names("jsonschema", "referencing", "pglast").encode())
    files = [
        p
        for p in _SPEC_PACKAGE.rglob("*")
        if p.suffix in (".py", ".json") and "__pycache__" not in p.parts
    ]
    for path in sorted(files) + list(_CODE):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.digest()


def _dist_names(*projects: str) -> str:
    """The installed ``<name>-<version>.dist-info`` folders of ``projects``, found without
    importing them or importlib.metadata (each would cost more than a warm load)."""
    import importlib.util

    names: list[str] = []
    for project in projects:
        spec = importlib.util.find_spec(project)
        if spec is None or spec.origin is None:
            names.append(f"{project}:missing")
            continue
        site = Path(spec.origin).resolve().parents[1]
        prefix = project.lower() + "-"
        try:
            names.extend(
                sorted(e.name for e in os.scandir(site) if e.name.lower().startswith(prefix))
            )
        except OSError:
            names.append(f"{project}:{spec.origin}")
    return "\n".join(names)


def cache_key(data: bytes, display: str) -> str:
    """sha256 of the spec's bytes, its display name and the code and versions that read it."""
    digest = hashlib.sha256(_code_digest())
    digest.update(display.encode())
    digest.update(b"\0")
    digest.update(data)
    return digest.hexdigest()


def load_spec_cached(
    path: Path | str, display: str | None = None, root: Path | None = None
) -> Spec:
    """``load_spec(path, display)``, through the cache under ``root`` (the spec's folder by default)."""
    p = Path(path)
    name = display or str(path)
    data = read_bytes(p, name)  # bounded: ConfigError or SpecError if it cannot or must not be read
    text = decode(data, name)
    try:
        key = cache_key(data, name)
    except OSError:  # pragma: no cover - the package's own files unreadable
        return parse_spec(text, name)
    file = (root if root is not None else Path(os.path.realpath(p)).parent) / CACHE_FILE
    spec = read_cache(file, key)
    if spec is None:
        spec = parse_spec(text, name)  # raises SpecError on any problem: errors are never cached
        write_cache(file, key, spec)
    return spec


def read_cache(file: Path, key: str) -> Spec | None:
    """The Spec stored under ``key``; None if absent, stale, corrupt or unreadable."""
    from generator.cache_auth import verify

    try:
        with open(file, "rb") as f:
            header = f.readline()
            if header != _MAGIC + key.encode() + b"\n":
                return None
            signature = f.readline().strip().decode("ascii")
            payload = f.read()
        # only this machine's own file is unpickled: one committed into the project (the
        # key is no secret) would run code (issue 12; generator/cache_auth.py)
        if not verify(header + payload, signature):
            return None
        with gc_paused():  # a quarter of the time, as for parsing: see gc_paused
            spec = pickle.loads(payload)
    except Exception:  # any damage to the file means only a slower load
        return None
    return spec if isinstance(spec, Spec) else None


def write_cache(file: Path, key: str, spec: Spec) -> bool:
    """Store ``spec`` under ``key`` (atomically); False, silently, if that is not possible."""
    from generator.cache_auth import sign

    tmp = None
    try:
        with gc_paused():
            payload = pickle.dumps(spec, protocol=pickle.HIGHEST_PROTOCOL)
        header = _MAGIC + key.encode() + b"\n"
        signature = sign(header + payload)
        if signature is None:
            return False  # nowhere to keep a secret: nothing is cached, nothing trusted
        file.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".spec-", suffix=".tmp", dir=file.parent)
        with os.fdopen(fd, "wb") as f:
            f.write(header)
            f.write(signature.encode() + b"\n")
            f.write(payload)
        os.replace(tmp, file)
        return True
    except Exception:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        return False
