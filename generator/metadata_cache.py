"""The MetaData of a cached spec, kept beside it: ``<root>/.schemactl/cache/metadata.pickle``.

``build_metadata`` creates about 20 objects per column (a 1,000-table spec: ~20,000
SQLAlchemy objects, 1.5 s or more), and its result depends only on the spec and the code that
builds it. ``metadata_for(spec)`` returns the same MetaData as ``build_metadata(spec)``; for a
Spec that ``generator.spec.cache.load_spec_cached`` returned (so its cache key is known), it
unpickles the MetaData stored under that key (a fifth of the time) and attaches what pickling
drops: ``info["spec"]`` and the create/drop event hooks (``metadata.attach_extras``).
Otherwise, or when the file is missing, stale or damaged, it builds and stores it. As with the
spec cache, a read or write failure only costs speed.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from functools import cache
from pathlib import Path

import sqlalchemy as sa

from generator.metadata import attach_extras, build_metadata
from generator.spec.cache import origin_of
from generator.spec.model import Spec
from generator.spec.source import gc_paused

FILE_NAME = "metadata.pickle"
_MAGIC = b"schemactl-metadata-cache 1 "
_GENERATOR = Path(__file__).resolve().parent
_CODE = (
    "metadata.py",
    "naming.py",
    "extras.py",
    "metadata_cache.py",
    "spec/types.py",
    "spec/model.py",
)


@cache
def _code_digest() -> bytes:
    digest = hashlib.sha256(sa.__version__.encode())
    for name in _CODE:
        digest.update(name.encode() + b"\0" + (_GENERATOR / name).read_bytes())
    return digest.digest()


def metadata_for(spec: Spec) -> sa.MetaData:
    """``build_metadata(spec)``, from the cache when the spec came from the spec cache."""
    origin = origin_of(spec)
    if origin is None:
        return build_metadata(spec)
    spec_key, folder = origin
    key = hashlib.sha256(_code_digest() + spec_key.encode()).hexdigest()
    file = folder / FILE_NAME
    found = _read(file, key)
    if found is None:
        md = build_metadata(spec)
        _write(file, key, md)
        return md
    md, enums = found
    md.info["spec"] = spec
    _restore_events(md, enums)
    attach_extras(md, spec)
    return md


def _restore_events(md: sa.MetaData, enums: list[sa.types.TypeEngine]) -> None:
    """Register again the create/drop listeners SQLAlchemy's schema types set up when the
    MetaData was built (pickling drops every listener), in the same order: the enum types'
    own on the MetaData, then each column's on its table."""
    from sqlalchemy.sql.sqltypes import SchemaType

    for enum in enums:
        sa.event.listen(
            md, "before_create", sa.util.portable_instancemethod(enum._on_metadata_create)
        )
        sa.event.listen(md, "after_drop", sa.util.portable_instancemethod(enum._on_metadata_drop))
    for table in md.tables.values():
        for column in table.columns:
            if isinstance(column.type, SchemaType):
                column.type._set_table(column, table)


def _schema_types(md: sa.MetaData) -> list[sa.types.TypeEngine]:
    """The distinct schema types (enums) listening on ``md``, in the order they were created."""
    listeners = [fn for fn in md.dispatch.before_create]
    out: list[sa.types.TypeEngine] = []
    for fn in listeners:
        target = getattr(fn, "target", None)  # util.portable_instancemethod keeps its instance
        if isinstance(target, sa.types.TypeEngine) and all(target is not t for t in out):
            out.append(target)
    return out


def _read(file: Path, key: str) -> tuple[sa.MetaData, list[sa.types.TypeEngine]] | None:
    """(MetaData, its enum types) stored under ``key``; None if absent, stale or damaged."""
    try:
        with open(file, "rb") as f:
            if f.readline() != _MAGIC + key.encode() + b"\n":
                return None
            with gc_paused():
                found = pickle.load(f)
    except Exception:  # a damaged file means only a slower build
        return None
    ok = isinstance(found, tuple) and len(found) == 2 and isinstance(found[0], sa.MetaData)
    return found if ok else None


def _write(file: Path, key: str, md: sa.MetaData) -> None:
    spec = md.info.pop("spec", None)  # stored by the spec cache already
    # the enum types that listen on the MetaData itself, in creation order (see _restore_events)
    enums = [t for t in _schema_types(md) if getattr(t, "metadata", None) is md]
    tmp = None
    try:
        with gc_paused():
            payload = pickle.dumps((md, enums), protocol=pickle.HIGHEST_PROTOCOL)
        fd, tmp = tempfile.mkstemp(prefix=".metadata-", suffix=".tmp", dir=file.parent)
        with os.fdopen(fd, "wb") as f:
            f.write(_MAGIC + key.encode() + b"\n" + payload)
        os.replace(tmp, file)
        tmp = None
    except Exception:
        pass
    finally:
        md.info["spec"] = spec
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
