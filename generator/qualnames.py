"""Names across schemas, for code of every layer that writes SQL (issue 17 item 5).

The spec, the catalog snapshot and the fix SQL name an object in ``public`` by its bare name
and one elsewhere by ``schema.name`` (generator.spec.namespaces). Whether the text before the
first dot is a schema depends on the schemas in play (a verbatim name in public may hold a
dot), so the writer of a script says which they are for the block (``known``): the spec's
script (generator.schema.ddl.ddl_script) the schemas the spec declares, the fix SQL of
``diff`` (generator.drift.fix_schemas.known_schemas) those of the two snapshots. Outside any
block only ``public`` is a schema: every name is one identifier, as before schemas existed.

``sql`` then writes the name schema-qualified (``"billing"."touch"``, ``"public"."v"``), so a
statement names its object whatever search_path the session has. Pure; knows no spec.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

PUBLIC = "public"
_KNOWN: ContextVar[frozenset[str]] = ContextVar("schemactl_qualnames_known", default=frozenset({PUBLIC}))


@contextmanager
def known(schemas: Iterable[str]) -> Iterator[None]:
    """The schemas a name may be split at, for the block (public always)."""
    token = _KNOWN.set(frozenset({PUBLIC, *schemas}))
    try:
        yield
    finally:
        _KNOWN.reset(token)


def known_schemas() -> frozenset[str]:
    return _KNOWN.get()


def split(name: str) -> tuple[str, str]:
    """``(schema, bare name)`` of a canonical name."""
    prefix, dot, rest = name.partition(".")
    if dot and rest and prefix in _KNOWN.get():
        return prefix, rest
    return PUBLIC, name


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sql(name: str) -> str:
    """The object as SQL, always with its schema: ``"billing"."touch"``, ``"public"."v"``."""
    schema, bare = split(name)
    return f"{quote(schema)}.{quote(bare)}"


def bare(name: str) -> str:
    """The name without its schema (what ``RENAME TO`` and an index of a table take)."""
    return split(name)[1]


def ref(name: str) -> str:
    """The object as SQL, qualified only outside public: ``"billing"."touch"``, ``"touch"``.
    For the spec's own script (run with the default search_path) and for references that may
    name PostgreSQL's own objects (a trigger's function, an aggregate's sfunc), which a
    ``"public".`` prefix would break."""
    schema, bare = split(name)
    return quote(bare) if schema == PUBLIC else f"{quote(schema)}.{quote(bare)}"
