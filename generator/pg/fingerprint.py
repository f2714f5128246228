"""A catalog fingerprint: one query, one hash per catalog, of everything a diff reads.

``schemactl diff`` compares the live database with the spec's database (kept on the dev
server, ``generator.drift.spec_db``) through two readers: schemainspect (migra's inspector,
its SQL files in ``schemainspect/pg/sql``) and our catalog snapshot (``generator.pg.catalog``
and its ``catalog_*`` modules). Both are functions of the rows of a fixed set of system
catalogs. When the two databases' rows of those catalogs are equal, the two readers read
the same thing on both sides and the comparison can only say "no drift"; ``run_diff`` then
skips both inspections (issue 19: a warm no-drift diff near the cost of one catalog query).

So the fingerprint hashes, per catalog, every row of the user's namespaces (every schema but
``pg_*`` and ``information_schema``; extension schemas included), every column of the row
(the server's own column list: a column a new server version adds is hashed by default) except:

- the object's own OID, and columns that only hold storage state or statistics (``relpages``,
  ``relfilenode``, ``relfrozenxid``, ``atthasmissing``, ...), which no reader uses;
- OID references, which differ between two databases built the same way: each is replaced
  by the name it stands for (``format_type``, ``::regprocedure``, ``pg_identify_object``);
- parse trees (``pg_node_tree`` columns: they hold OIDs and source positions), replaced by
  their deparsed text (``pg_get_expr``, ``pg_get_indexdef``, ``pg_get_constraintdef``,
  ``pg_get_triggerdef``, ``pg_get_ruledef``, ``pg_get_functiondef``), which is what the
  readers read;
- column numbers (``attnum``), replaced by the column's rank among the live columns (a
  dropped column leaves a gap; index and constraint columns come by name in their
  definitions); enum sort orders likewise by rank;
- Alembic's bookkeeping table ``alembic_version`` (both readers skip it: catalog
  ``IGNORED_TABLES``, engine ``_ignored``).

Extra columns can only make two equal schemas hash differently, which costs a full
comparison, never a wrong answer. The server's major version is part of the hash (the
``pg_get_*def`` renderings and the readers' queries depend on it). The query runs with
``search_path`` pinned (``catalog_schemas.pinned_search_path``), as the snapshot does, so
names render the same on every database. tests/drift/test_fingerprint.py changes each kind
of object the readers see and asserts the fingerprint changes, and that every catalog the
readers' SQL names is covered here (``COVERED``).
"""

from __future__ import annotations

import hashlib
from typing import Any

# namespaces in scope (``n`` is pg_namespace)
_USER_NS = "n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'"
_IGNORED = "('alembic_version', 'alembic_version_pkc')"


def _rel(oid: str) -> str:
    """A relation's name (``regclass``: bare in public, schema-qualified elsewhere, under the
    pinned search_path), '' for none."""
    return f"CASE WHEN {oid} = 0 THEN '' ELSE {oid}::regclass::text END"


def _typ(oid: str, mod: str = "NULL") -> str:
    return f"CASE WHEN {oid} = 0 THEN '' ELSE format_type({oid}, {mod}) END"


def _role(oid: str) -> str:
    return f"CASE WHEN {oid} = 0 THEN 'public' ELSE pg_get_userbyid({oid})::text END"


def _coll(oid: str) -> str:
    return f"CASE WHEN {oid} = 0 THEN '' ELSE (SELECT c.collname::text FROM pg_collation c WHERE c.oid = {oid}) END"


def _nsp(oid: str) -> str:
    return f"CASE WHEN {oid} = 0 THEN '' ELSE (SELECT x.nspname::text FROM pg_namespace x WHERE x.oid = {oid}) END"


_ROWS: list[tuple[str, tuple[str, ...], dict[str, str]]] = []


def _row(alias: str, drop: tuple[str, ...], add: dict[str, str]) -> str:
    """Every column of the catalog row ``alias`` but ``drop``, then ``add`` (name -> SQL), as
    the text of one ROW(...). A placeholder: the columns are the server's own (``_columns``),
    filled in by ``query``, so a column a new version adds is hashed by default. (``to_jsonb``
    of the whole row did the same at 6x the cost: it renders every column, parse trees too.)"""
    _ROWS.append((alias, drop, add))
    return f"@@ROW{len(_ROWS) - 1}@@"


def _fill(part: str, sql: str, columns: dict[str, list[str]]) -> str:
    for n, (alias, drop, add) in enumerate(_ROWS):
        token = f"@@ROW{n}@@"
        if token in sql:
            kept = [f"{alias}.{c}" for c in columns[part] if c not in drop]
            sql = sql.replace(token, f"ROW({', '.join(kept + list(add.values()))})::text")
    return sql


COLUMNS_SQL = """SELECT c.relname::text, array_agg(a.attname::text ORDER BY a.attnum)
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
    WHERE c.relnamespace = 'pg_catalog'::regnamespace AND c.relname = ANY(%s) AND a.attnum > 0
      AND NOT a.attisdropped GROUP BY 1"""


# the relations in scope: user namespaces, alembic's table and its index left out
_RELS = (
    f"SELECT c.* FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    f"WHERE {_USER_NS} AND c.relname NOT IN {_IGNORED}"
)
_REL_OIDS = f"SELECT oid FROM ({_RELS}) r"

# catalog -> SELECT of one text column ``x`` (a row each)
PARTS: dict[str, str] = {
    "pg_namespace": f"""SELECT {_row('n', ('oid', 'nspowner'), {'owner': _role('n.nspowner')})} AS x
        FROM pg_namespace n WHERE {_USER_NS}""",
    "pg_class": f"""SELECT {_row('c', ('oid', 'relnamespace', 'reltype', 'reloftype', 'relowner', 'relam',
            'relfilenode', 'reltablespace', 'relpages', 'reltuples', 'relallvisible', 'relallfrozen',
            'reltoastrelid', 'relfrozenxid', 'relminmxid', 'relrewrite', 'relpartbound', 'relnatts'),
            {'ns': _nsp('c.relnamespace'), 'oftype': _typ('c.reloftype'), 'owner': _role('c.relowner'),
             'am': "coalesce((SELECT a.amname::text FROM pg_am a WHERE a.oid = c.relam), '')",
             'tablespace': "coalesce((SELECT t.spcname::text FROM pg_tablespace t WHERE t.oid = c.reltablespace), '')",
             'toast': 'c.reltoastrelid <> 0', 'bound': 'pg_get_expr(c.relpartbound, c.oid)'})} AS x
        FROM ({_RELS}) c""",
    "pg_attribute": f"""SELECT {_row('a', ('attrelid', 'atttypid', 'attcollation', 'attnum', 'atthasmissing',
            'attmissingval'),
            {'rel': _rel('a.attrelid'), 'type': 'format_type(a.atttypid, a.atttypmod)',
             'coll': _coll('a.attcollation'),
             'pos': 'rank() OVER (PARTITION BY a.attrelid ORDER BY a.attnum)'})} AS x
        FROM pg_attribute a JOIN ({_RELS}) c ON c.oid = a.attrelid
        WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'c')""",
    "pg_attrdef": f"""SELECT {_row('d', ('oid', 'adrelid', 'adnum', 'adbin'),
            {'rel': _rel('d.adrelid'), 'col': 'a.attname', 'expr': 'pg_get_expr(d.adbin, d.adrelid)'})} AS x
        FROM pg_attrdef d JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
        WHERE d.adrelid IN ({_REL_OIDS})""",
    "pg_type": f"""SELECT {_row('t', ('oid', 'typnamespace', 'typowner', 'typrelid', 'typelem', 'typarray',
            'typbasetype', 'typcollation', 'typdefaultbin'),
            {'ns': _nsp('t.typnamespace'), 'owner': _role('t.typowner'), 'rel': _rel('t.typrelid'),
             'elem': _typ('t.typelem'), 'array': _typ('t.typarray'), 'base': _typ('t.typbasetype', 't.typtypmod'),
             'coll': _coll('t.typcollation')})} AS x
        FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE {_USER_NS} AND t.typname NOT IN ('alembic_version', '_alembic_version')""",
    "pg_enum": f"""SELECT {_row('e', ('oid', 'enumtypid', 'enumsortorder'),
            {'type': 'format_type(e.enumtypid, NULL)',
             'pos': 'rank() OVER (PARTITION BY e.enumtypid ORDER BY e.enumsortorder)'})} AS x
        FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE {_USER_NS}""",
    "pg_range": f"""SELECT {_row('r', ('rngtypid', 'rngsubtype', 'rngmultitypid', 'rngcollation', 'rngsubopc'),
            {'type': 'format_type(r.rngtypid, NULL)', 'sub': 'format_type(r.rngsubtype, NULL)',
             'multi': _typ('r.rngmultitypid'), 'coll': _coll('r.rngcollation'),
             'opc': "(SELECT o.opcname::text FROM pg_opclass o WHERE o.oid = r.rngsubopc)"})} AS x
        FROM pg_range r JOIN pg_type t ON t.oid = r.rngtypid JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE {_USER_NS}""",
    "pg_constraint": f"""SELECT {_row('k', ('oid', 'connamespace', 'conrelid', 'contypid', 'conindid',
            'conparentid', 'confrelid', 'conkey', 'confkey', 'conpfeqop', 'conppeqop', 'conffeqop',
            'confdelsetcols', 'conexclop', 'conbin'),
            {'ns': _nsp('k.connamespace'), 'rel': _rel('k.conrelid'), 'domain': _typ('k.contypid'),
             'index': _rel('k.conindid'), 'child': 'k.conparentid <> 0', 'ref': _rel('k.confrelid'),
             'def': 'pg_get_constraintdef(k.oid)'})} AS x
        FROM pg_constraint k JOIN pg_namespace n ON n.oid = k.connamespace
        WHERE {_USER_NS} AND (k.conrelid = 0 OR k.conrelid IN ({_REL_OIDS}))""",
    "pg_index": f"""SELECT {_row('i', ('indexrelid', 'indrelid', 'indkey', 'indcollation', 'indclass',
            'indoption', 'indexprs', 'indpred', 'indcheckxmin'),
            {'index': _rel('i.indexrelid'), 'rel': _rel('i.indrelid'),
             'def': 'pg_get_indexdef(i.indexrelid)'})} AS x
        FROM pg_index i WHERE i.indexrelid IN ({_REL_OIDS})""",
    "pg_inherits": f"""SELECT {_row('h', ('inhrelid', 'inhparent'),
            {'rel': _rel('h.inhrelid'), 'parent': _rel('h.inhparent')})} AS x
        FROM pg_inherits h WHERE h.inhrelid IN ({_REL_OIDS}) OR h.inhparent IN ({_REL_OIDS})""",
    "pg_partitioned_table": f"""SELECT {_row('p', ('partrelid', 'partdefid', 'partattrs', 'partclass',
            'partcollation', 'partexprs'),
            {'rel': _rel('p.partrelid'), 'default': _rel('p.partdefid'),
             'key': 'pg_get_partkeydef(p.partrelid)'})} AS x
        FROM pg_partitioned_table p WHERE p.partrelid IN ({_REL_OIDS})""",
    "pg_sequence": f"""SELECT {_row('s', ('seqrelid', 'seqtypid'),
            {'rel': _rel('s.seqrelid'), 'type': 'format_type(s.seqtypid, NULL)'})} AS x
        FROM pg_sequence s WHERE s.seqrelid IN ({_REL_OIDS})""",
    "pg_proc": f"""SELECT {_row('p', ('oid', 'pronamespace', 'proowner', 'prolang', 'provariadic', 'prorettype',
            'proargtypes', 'proallargtypes', 'proargdefaults', 'protrftypes', 'prosqlbody'),
            {'ns': _nsp('p.pronamespace'), 'owner': _role('p.proowner'),
             'lang': '(SELECT l.lanname::text FROM pg_language l WHERE l.oid = p.prolang)',
             'variadic': _typ('p.provariadic'), 'result': 'pg_get_function_result(p.oid)',
             'args': 'pg_get_function_arguments(p.oid)', 'identity': 'pg_get_function_identity_arguments(p.oid)',
             'def': "CASE WHEN p.prokind IN ('f', 'p') THEN pg_get_functiondef(p.oid) END"})} AS x
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE {_USER_NS}""",
    "pg_aggregate": f"""SELECT {_row('g', ('aggfnoid', 'aggsortop', 'aggtranstype', 'aggmtranstype'),
            {'fn': 'g.aggfnoid::regprocedure::text', 'sortop': "CASE WHEN g.aggsortop = 0 THEN '' ELSE g.aggsortop::regoperator::text END",
             'trans': _typ('g.aggtranstype'), 'mtrans': _typ('g.aggmtranstype')})} AS x
        FROM pg_aggregate g JOIN pg_proc p ON p.oid = g.aggfnoid JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE {_USER_NS}""",
    "pg_trigger": f"""SELECT {_row('t', ('oid', 'tgrelid', 'tgparentid', 'tgfoid', 'tgconstrrelid', 'tgconstrindid',
            'tgconstraint', 'tgattr', 'tgqual'),
            {'rel': _rel('t.tgrelid'), 'child': 't.tgparentid <> 0', 'fn': 't.tgfoid::regprocedure::text',
             'def': 'pg_get_triggerdef(t.oid)'})} AS x
        FROM pg_trigger t WHERE NOT t.tgisinternal AND t.tgrelid IN ({_REL_OIDS})""",
    "pg_rewrite": f"""SELECT {_row('w', ('oid', 'ev_class', 'ev_qual', 'ev_action'),
            {'rel': _rel('w.ev_class'), 'def': 'pg_get_ruledef(w.oid)'})} AS x
        FROM pg_rewrite w WHERE w.ev_class IN ({_REL_OIDS})""",
    "pg_policy": f"""SELECT {_row('y', ('oid', 'polrelid', 'polroles', 'polqual', 'polwithcheck'),
            {'rel': _rel('y.polrelid'),
             'roles': f"ARRAY(SELECT {_role('r')} FROM unnest(y.polroles) r ORDER BY 1)",
             'qual': 'pg_get_expr(y.polqual, y.polrelid)', 'check': 'pg_get_expr(y.polwithcheck, y.polrelid)'})} AS x
        FROM pg_policy y WHERE y.polrelid IN ({_REL_OIDS})""",
    "pg_extension": f"""SELECT {_row('e', ('oid', 'extowner', 'extnamespace', 'extconfig'),
            {'owner': _role('e.extowner'), 'ns': _nsp('e.extnamespace'),
             'config': "ARRAY(SELECT r::regclass::text FROM unnest(e.extconfig) r)"})} AS x
        FROM pg_extension e""",
    "pg_collation": f"""SELECT {_row('o', ('oid', 'collnamespace', 'collowner'),
            {'ns': _nsp('o.collnamespace'), 'owner': _role('o.collowner')})} AS x
        FROM pg_collation o JOIN pg_namespace n ON n.oid = o.collnamespace WHERE {_USER_NS}""",
    "pg_default_acl": f"""SELECT {_row('d', ('oid', 'defaclrole', 'defaclnamespace'),
            {'role': _role('d.defaclrole'), 'ns': _nsp('d.defaclnamespace')})} AS x
        FROM pg_default_acl d""",
    "pg_foreign_table": f"""SELECT {_row('f', ('ftrelid', 'ftserver'),
            {'rel': _rel('f.ftrelid'),
             'server': '(SELECT s.srvname::text FROM pg_foreign_server s WHERE s.oid = f.ftserver)'})} AS x
        FROM pg_foreign_table f WHERE f.ftrelid IN ({_REL_OIDS})""",
    # comments: on any object outside PostgreSQL's own schemas (the database's own comment
    # is not read by either side and names the database, which differs); an object created
    # after initdb has an OID >= 16384 (FirstNormalObjectId), so only schemas (public is 2200)
    # are looked up below that
    "pg_description": f"""SELECT ROW(c.oid::regclass::text, a.attname, d.description)::text AS x
        FROM pg_description d JOIN ({_RELS}) c ON c.oid = d.objoid
        LEFT JOIN pg_attribute a ON a.attrelid = d.objoid AND a.attnum = d.objsubid AND d.objsubid <> 0
        WHERE d.classoid = 'pg_class'::regclass""",
    # comments on everything but relations and their columns (above: faster)
    "pg_description_other": """SELECT jsonb_build_object('what', o.type, 'id', o.identity, 'text', d.description)::text AS x
        FROM pg_description d, LATERAL pg_identify_object(d.classoid, d.objoid, d.objsubid) o
        WHERE d.classoid NOT IN ('pg_database'::regclass, 'pg_class'::regclass)
          AND (d.objoid >= 16384 OR d.classoid = 'pg_namespace'::regclass)
          AND (o.schema IS NULL OR (o.schema !~ '^pg_' AND o.schema <> 'information_schema'))
          AND o.identity NOT LIKE 'pg\\_%' AND o.identity <> 'information_schema'
          AND coalesce(o.identity, '') !~ '(^|\\.)alembic_version(_pkc)?($|\\.| )'""",
    # the links the readers follow (schemainspect's SQL and catalog_*.py): what belongs to an
    # extension (e, x), a function's internal links, what uses a function (a CHECK, a default,
    # an index), what a view's rule uses (deps.sql: the order of migra's statements), what a
    # sequence belongs to (OWNED BY, identity). Other links (an index on its columns, a
    # constraint on its table) follow from rows hashed above. Links of toast tables and of the
    # internal triggers that implement a foreign key name OIDs: left out (the constraint and
    # the column are hashed)
    "pg_depend": """SELECT jsonb_build_object('t', d.deptype, 'a', a.type, 'ai', a.identity,
            'b', b.type, 'bi', b.identity)::text AS x
        FROM pg_depend d, LATERAL pg_identify_object(d.classid, d.objid, d.objsubid) a,
             LATERAL pg_identify_object(d.refclassid, d.refobjid, d.refobjsubid) b
        WHERE (d.objid >= 16384 OR d.refobjid >= 16384)
          AND (d.deptype IN ('e', 'x')
               OR (d.deptype = 'i' AND d.classid = 'pg_proc'::regclass)
               OR d.refclassid = 'pg_proc'::regclass
               OR d.classid = 'pg_rewrite'::regclass
               OR (d.deptype IN ('a', 'i') AND d.classid = 'pg_class'::regclass
                   AND EXISTS (SELECT 1 FROM pg_class s WHERE s.oid = d.objid AND s.relkind = 'S')))
          AND coalesce(a.schema, '') <> 'pg_toast' AND coalesce(b.schema, '') <> 'pg_toast'
          AND coalesce(a.identity, '') !~ 'alembic_version'
          AND NOT (d.classid = 'pg_trigger'::regclass
                   AND EXISTS (SELECT 1 FROM pg_trigger t WHERE t.oid = d.objid AND t.tgisinternal))""",
}

# every catalog a reader's SQL names, and where it is covered (tests/drift/test_fingerprint.py
# checks this list against schemainspect's SQL files and our catalog modules)
COVERED: dict[str, str] = {name: name for name in PARTS} | {
    "pg_tables": "pg_class", "pg_indexes": "pg_index", "pg_views": "pg_rewrite",
    "pg_roles": "roles: a role the spec's rules name exists (it is referenced) on both sides",
    "pg_language": "pg_proc.lang", "pg_am": "pg_class.am", "pg_opclass": "pg_get_indexdef",
    "pg_matviews": "pg_rewrite", "pg_sequences": "pg_sequence",
}


def query(columns: dict[str, list[str]]) -> str:
    """One statement: (catalog, md5 of its rows sorted, row count) for every part, plus the
    server's major version. ``columns``: each catalog's columns on this server."""
    parts = [
        f"SELECT '{name}' AS part, md5(coalesce(string_agg(x, E'\\n' ORDER BY x), '')) AS h, count(*) AS n "
        f"FROM ({_fill(name, sql, columns)}) q"
        for name, sql in PARTS.items()
    ]
    parts.append("SELECT 'server', current_setting('server_version_num')::int / 10000 || '', 0")
    return "\nUNION ALL\n".join(parts)


def read_parts(conn: Any) -> dict[str, str]:
    """Per catalog: its hash and row count (a SQLAlchemy Connection; SELECTs only)."""
    from generator.pg.catalog_schemas import pinned_search_path

    with pinned_search_path(conn):
        columns = dict(conn.exec_driver_sql(COLUMNS_SQL, (list(PARTS),)).fetchall())
        rows = conn.exec_driver_sql(query(columns).replace("%", "%%")).fetchall()
    return {part: f"{h}:{n}" for part, h, n in rows}


def fingerprint(conn: Any) -> str:
    """The database's catalog fingerprint: equal fingerprints, equal diff inputs."""
    parts = read_parts(conn)
    return hashlib.sha256("\n".join(f"{k}={v}" for k, v in sorted(parts.items())).encode()).hexdigest()
