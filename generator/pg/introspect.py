"""Read a whole database's schema from pg_catalog, for ``schemactl import``. Knows no spec.

``read_database(conn, schemas)`` runs a fixed number of catalog queries (one per object kind,
never one per table) on a connection the caller opened read-only, in one REPEATABLE READ
transaction, and returns plain facts: every relation, column, constraint, index, type,
function, trigger, policy, sequence and grant of the user schemas, each with its owner
extension (``pg_depend`` deptype ``'e'``) when it has one. What the spec can express is
decided above (``generator.adopt``); everything here is as PostgreSQL prints it
(``format_type``, ``pg_get_expr``, ``pg_get_constraintdef``, ``pg_get_indexdef``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from generator.pg import catalog_access, introspect_functions
from generator.pg.introspect_domains import QUERY as DOMAINS_QUERY
from generator.pg.introspect_domains import DomainInfo, domains_from_rows
from generator.pg.introspect_types import ATTRIBUTES, RANGES, type_details
from generator.pg.introspect_views import QUERY as VIEWS_QUERY
from generator.pg.introspect_views import views_from_rows

SYSTEM_SCHEMAS = ("pg_catalog", "information_schema", "pg_toast")

# Every query takes the schema list as its one parameter ($1 -> %(schemas)s) and returns rows
# in a fixed order, so two reads of one database give the same facts in the same order.
_NS = "n.nspname = ANY(%(schemas)s)"
# made by PostgreSQL as part of another object (a range type's constructors and casts)
_INTERNAL = "EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = {cls}::regclass AND d.objid = {oid} AND d.deptype = 'i')"
_EXT = "EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = {cls}::regclass AND d.objid = {oid} AND d.deptype = 'e')"

QUERIES: dict[str, str] = {
    "schemas": """
        SELECT n.nspname, obj_description(n.oid, 'pg_namespace'), n.nspacl IS NOT NULL AND n.nspname <> 'public'
        FROM pg_namespace n
        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
          AND n.nspname NOT LIKE 'pg_temp_%%' AND n.nspname NOT LIKE 'pg_toast_temp_%%'
        ORDER BY n.nspname""",
    "extensions": """
        SELECT e.extname, n.nspname, e.extversion
        FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
        WHERE e.extname <> 'plpgsql' ORDER BY e.extname""",
    "types": f"""
        SELECT n.nspname, t.typname, t.typtype,
               CASE WHEN t.typtype = 'e' THEN (SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder)
                                                FROM pg_enum e WHERE e.enumtypid = t.oid) END,
               obj_description(t.oid, 'pg_type'), {_EXT.format(cls="'pg_type'", oid="t.oid")},
               t.typacl IS NOT NULL
        FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE {_NS} AND t.typtype IN ('e', 'd', 'c', 'r', 'm', 'b', 'p')
          AND (t.typtype <> 'c' OR (SELECT c.relkind FROM pg_class c WHERE c.oid = t.typrelid) = 'c')
          AND NOT (t.typtype = 'b' AND t.typcategory = 'A')
          AND NOT (t.typtype = 'm')
        ORDER BY n.nspname, t.typname""",
    "relations": f"""
        SELECT c.oid, n.nspname, c.relname, c.relkind, obj_description(c.oid, 'pg_class'),
               c.relpersistence, c.relispartition, c.relrowsecurity, c.relforcerowsecurity,
               c.relacl IS NOT NULL, c.reloptions, c.reltablespace <> 0, c.relreplident,
               EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = c.oid OR i.inhparent = c.oid),
               {_EXT.format(cls="'pg_class'", oid="c.oid")}, am.amname
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_am am ON am.oid = c.relam
        WHERE {_NS} AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
        ORDER BY n.nspname, c.relname""",
    "columns": """
        SELECT a.attrelid, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod),
               t.typname, tn.nspname, t.typtype, a.atttypmod, et.typname, etn.nspname, et.typtype,
               a.attnotnull, pg_get_expr(ad.adbin, ad.adrelid), a.attidentity, a.attgenerated,
               a.attcollation <> t.typcollation, col_description(a.attrelid, a.attnum),
               a.attacl IS NOT NULL, a.attstattarget IS NOT NULL AND a.attstattarget >= 0,
               a.attstorage <> t.typstorage, COALESCE(a.attcompression, '') <> '',
               a.attoptions IS NOT NULL, a.attndims,
               CASE WHEN a.attcollation <> t.typcollation
                    THEN (SELECT co.collname FROM pg_collation co WHERE co.oid = a.attcollation) END
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_type t ON t.oid = a.atttypid JOIN pg_namespace tn ON tn.oid = t.typnamespace
        LEFT JOIN pg_type et ON et.oid = t.typelem AND t.typcategory = 'A'
        LEFT JOIN pg_namespace etn ON etn.oid = et.typnamespace
        LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
        WHERE n.nspname = ANY(%(schemas)s) AND c.relkind IN ('r', 'p', 'f')
          AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attrelid, a.attnum""",
    "constraints": """
        SELECT k.conrelid, k.conname, k.contype, pg_get_constraintdef(k.oid),
               k.condeferrable, k.condeferred, k.convalidated, k.connoinherit,
               (SELECT array_agg(a.attname ORDER BY x.ord) FROM unnest(k.conkey) WITH ORDINALITY x(num, ord)
                  JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = x.num),
               k.confrelid, fn.nspname, fc.relname,
               (SELECT array_agg(a.attname ORDER BY x.ord) FROM unnest(k.confkey) WITH ORDINALITY x(num, ord)
                  JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = x.num),
               k.confupdtype, k.confdeltype, k.confmatchtype,
               obj_description(k.oid, 'pg_constraint'), k.conindid, k.conislocal,
               COALESCE(array_length(k.confdelsetcols, 1), 0) > 0
        FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_class fc ON fc.oid = k.confrelid LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace
        WHERE n.nspname = ANY(%(schemas)s) AND k.contype IN ('p', 'u', 'f', 'c', 'x', 'n')
        ORDER BY k.conrelid, k.conname""",
    "indexes": """
        SELECT x.indrelid, i.relname, pg_get_indexdef(x.indexrelid), x.indisunique, x.indisprimary,
               x.indnkeyatts, x.indnatts, x.indexprs IS NOT NULL, pg_get_expr(x.indpred, x.indrelid),
               am.amname, i.reloptions, i.reltablespace <> 0, obj_description(i.oid, 'pg_class'),
               (SELECT array_agg(a.attname ORDER BY k.ord) FROM unnest(x.indkey::int2[]) WITH ORDINALITY k(num, ord)
                  JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.num WHERE k.ord <= x.indnkeyatts),
               x.indoption::int2[],
               (SELECT bool_and(o.opcdefault) FROM unnest(x.indclass::oid[]) WITH ORDINALITY k(opc, ord)
                  JOIN pg_opclass o ON o.oid = k.opc WHERE k.ord <= x.indnkeyatts),
               (SELECT bool_and(k.coll = 0 OR k.coll = COALESCE(NULLIF(t.typcollation, 0), k.coll) )
                  FROM unnest(x.indcollation::oid[]) WITH ORDINALITY k(coll, ord)
                  JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = (x.indkey::int2[])[k.ord - 1]
                  JOIN pg_type t ON t.oid = a.atttypid),
               EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid AND k.contype IN ('p', 'u', 'x')),
               COALESCE((SELECT x2.indnullsnotdistinct FROM pg_index x2 WHERE x2.indexrelid = x.indexrelid), false),
               x.indisvalid,
               ARRAY(SELECT pg_get_indexdef(x.indexrelid, k, false) FROM generate_series(1, x.indnkeyatts) k)
        FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class c ON c.oid = x.indrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_am am ON am.oid = i.relam
        WHERE n.nspname = ANY(%(schemas)s) AND c.relkind IN ('r', 'p', 'm')
        ORDER BY x.indrelid, i.relname""",
    "routines": f"""
        SELECT n.nspname, p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')', p.prokind
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE {_NS} AND NOT {_EXT.format(cls="'pg_proc'", oid="p.oid")}
          AND NOT {_INTERNAL.format(cls="'pg_proc'", oid="p.oid")}
        ORDER BY 1, 2""",
    "triggers": """
        SELECT t.tgrelid, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = ANY(%(schemas)s) AND NOT t.tgisinternal ORDER BY 1, 2""",
    "policies": """
        SELECT p.polrelid, p.polname FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = ANY(%(schemas)s) ORDER BY 1, 2""",
    "rules": """
        SELECT r.ev_class, r.rulename FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = ANY(%(schemas)s) AND r.rulename <> '_RETURN' ORDER BY 1, 2""",
    # sequences with the table column that owns them: deptype 'i' (identity) or 'a' (serial / OWNED BY)
    "sequences": """
        SELECT c.oid, d.refobjid, a.attname, d.deptype, s.seqstart, s.seqincrement, s.seqmin, s.seqmax,
               s.seqcache, s.seqcycle, format_type(s.seqtypid, NULL)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_sequence s ON s.seqrelid = c.oid
        LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid
             AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('i', 'a')
        LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
        WHERE n.nspname = ANY(%(schemas)s) AND c.relkind = 'S' ORDER BY c.oid""",
    # partitioning and inheritance: (what, relation oid, name, detail); see _partitioning
    "partitioning": """
        SELECT 'key', c.oid, '', pg_get_partkeydef(c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = ANY(%(schemas)s) AND c.relkind = 'p'
        UNION ALL SELECT 'bound', c.oid, '', pg_get_expr(c.relpartbound, c.oid)
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = ANY(%(schemas)s) AND c.relispartition AND c.relkind IN ('r', 'p')
        UNION ALL SELECT 'parent', i.inhrelid, pn.nspname || '.' || p.relname, lpad(i.inhseqno::text, 6, '0')
          FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_namespace n ON n.oid = c.relnamespace
          JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = p.relnamespace
          WHERE n.nspname = ANY(%(schemas)s) AND c.relkind IN ('r', 'p')
        UNION ALL SELECT 'inherited column', a.attrelid, a.attname, ''
          FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = ANY(%(schemas)s) AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
            AND NOT a.attislocal
        UNION ALL SELECT 'derived constraint', k.conrelid, k.conname, ''
          FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = ANY(%(schemas)s) AND (k.conparentid <> 0 OR NOT k.conislocal)
        UNION ALL SELECT 'derived index', x.indrelid, i.relname, ''
          FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class c ON c.oid = x.indrelid
          JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = ANY(%(schemas)s) AND EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = x.indexrelid)
        UNION ALL SELECT 'derived trigger', t.tgrelid, t.tgname, ''
          FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = ANY(%(schemas)s) AND t.tgparentid <> 0
        ORDER BY 1, 2, 4, 3""",
    # objects in the user schemas of kinds the spec has no word for, not owned by an extension
    "others": f"""
        SELECT 'collation', n.nspname, c.collname FROM pg_collation c JOIN pg_namespace n ON n.oid = c.collnamespace
          WHERE {_NS} AND NOT {_EXT.format(cls="'pg_collation'", oid="c.oid")}
        UNION ALL SELECT 'operator', n.nspname, o.oprname || '(' || format_type(o.oprleft, NULL) || ', ' || format_type(o.oprright, NULL) || ')'
          FROM pg_operator o JOIN pg_namespace n ON n.oid = o.oprnamespace
          WHERE {_NS} AND NOT {_EXT.format(cls="'pg_operator'", oid="o.oid")}
        UNION ALL SELECT 'operator class', n.nspname, o.opcname FROM pg_opclass o JOIN pg_namespace n ON n.oid = o.opcnamespace
          WHERE {_NS} AND NOT {_EXT.format(cls="'pg_opclass'", oid="o.oid")}
        UNION ALL SELECT 'text search configuration', n.nspname, t.cfgname FROM pg_ts_config t JOIN pg_namespace n ON n.oid = t.cfgnamespace
          WHERE {_NS} AND NOT {_EXT.format(cls="'pg_ts_config'", oid="t.oid")}
        UNION ALL SELECT 'text search dictionary', n.nspname, t.dictname FROM pg_ts_dict t JOIN pg_namespace n ON n.oid = t.dictnamespace
          WHERE {_NS} AND NOT {_EXT.format(cls="'pg_ts_dict'", oid="t.oid")}
        UNION ALL SELECT 'statistics object', n.nspname, s.stxname FROM pg_statistic_ext s JOIN pg_namespace n ON n.oid = s.stxnamespace
          WHERE {_NS}
        UNION ALL SELECT 'conversion', n.nspname, c.conname FROM pg_conversion c JOIN pg_namespace n ON n.oid = c.connamespace
          WHERE {_NS} AND NOT {_EXT.format(cls="'pg_conversion'", oid="c.oid")}
        UNION ALL SELECT 'default privileges', COALESCE(n.nspname, ''), pg_get_userbyid(d.defaclrole)
          FROM pg_default_acl d LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace
        UNION ALL SELECT 'event trigger', '', e.evtname FROM pg_event_trigger e
          WHERE NOT {_EXT.format(cls="'pg_event_trigger'", oid="e.oid")}
        UNION ALL SELECT 'publication', '', p.pubname FROM pg_publication p
        UNION ALL SELECT 'foreign server', '', s.srvname FROM pg_foreign_server s
          WHERE NOT {_EXT.format(cls="'pg_foreign_server'", oid="s.oid")}
        UNION ALL SELECT 'foreign-data wrapper', '', w.fdwname FROM pg_foreign_data_wrapper w
          WHERE NOT {_EXT.format(cls="'pg_foreign_data_wrapper'", oid="w.oid")}
        UNION ALL SELECT 'cast', '', format_type(c.castsource, NULL) || ' AS ' || format_type(c.casttarget, NULL)
          FROM pg_cast c WHERE c.oid >= 16384 AND NOT {_EXT.format(cls="'pg_cast'", oid="c.oid")}
          AND NOT {_INTERNAL.format(cls="'pg_cast'", oid="c.oid")}
        UNION ALL SELECT 'language', '', l.lanname FROM pg_language l
          WHERE l.oid >= 16384 AND NOT {_EXT.format(cls="'pg_language'", oid="l.oid")}
        ORDER BY 1, 2, 3""",
    "domains": DOMAINS_QUERY,  # generator.pg.introspect_domains
    "type_attributes": ATTRIBUTES,  # composite and range types (introspect_types)
    "type_ranges": RANGES,
    "views": VIEWS_QUERY,
}


@dataclass(frozen=True)
class Column:
    num: int
    name: str
    formatted: str  # format_type()
    type_name: str  # pg_type.typname (the element's for an array: see element_*)
    type_schema: str
    type_kind: str  # typtype: b base, e enum, d domain, c composite, r range, m multirange, p pseudo
    typmod: int
    element_name: str | None  # for arrays
    element_schema: str | None
    element_kind: str | None
    not_null: bool
    default: str | None  # pg_get_expr
    identity: str  # '' | 'a' | 'd'
    generated: str  # '' | 's' | 'v'
    collation: bool  # a collation other than the type's default
    comment: str | None
    acl: bool
    statistics: bool  # a per-column statistics target
    storage: bool  # a non-default storage
    compression: bool
    options: bool  # attribute options (n_distinct, ...)
    collation_name: str | None = None  # the collation, when not the type's default (issue 16)


@dataclass(frozen=True)
class Constraint:
    name: str
    type: str  # p u f c x, n (NOT NULL, PostgreSQL 18)
    definition: str  # pg_get_constraintdef
    deferrable: bool
    deferred: bool
    validated: bool
    no_inherit: bool
    columns: tuple[str, ...]
    ref_schema: str | None
    ref_table: str | None
    ref_columns: tuple[str, ...]
    on_update: str  # a r c n d
    on_delete: str
    match: str  # s f p
    comment: str | None
    local: bool
    delete_set_columns: bool  # ON DELETE SET NULL (cols)


@dataclass(frozen=True)
class Index:
    name: str
    definition: str
    unique: bool
    primary: bool
    key_count: int
    column_count: int
    expressions: bool
    predicate: str | None
    method: str
    options: bool
    tablespace: bool
    comment: str | None
    columns: tuple[str, ...]
    column_options: tuple[int, ...]  # indoption: 1 desc, 2 nulls first
    default_opclasses: bool
    default_collations: bool
    constraint: bool  # backs a primary key, unique or exclusion constraint
    nulls_not_distinct: bool
    valid: bool
    items: tuple[str, ...] = ()  # each key item as pg_get_indexdef(index, k) prints it


@dataclass
class Relation:
    oid: int
    schema: str
    name: str
    kind: str  # r p v m f S
    comment: str | None
    persistence: str
    partition: bool
    row_security: bool
    force_row_security: bool
    acl: bool
    options: list[str] | None
    tablespace: bool
    replica_identity: str
    inheritance: bool
    extension: bool
    access_method: str | None
    columns: list[Column] = field(default_factory=list)
    constraints: list[Constraint] = field(default_factory=list)
    indexes: list[Index] = field(default_factory=list)
    triggers: list[str] = field(default_factory=list)
    policies: list[str] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)
    # partitioning and inheritance (generator.adopt.write_partitions)
    partition_key: str | None = None  # pg_get_partkeydef of a partitioned table
    bound: str | None = None  # pg_get_expr(relpartbound) of a partition
    parents: list[str] = field(default_factory=list)  # "schema.name", in inhseqno order
    inherited_columns: set[str] = field(default_factory=set)
    derived: set[tuple[str, str]] = field(default_factory=set)  # ("constraint"|"index"|"trigger", name) copied from a parent


@dataclass(frozen=True)
class TypeInfo:
    schema: str
    name: str
    kind: str
    labels: tuple[str, ...]
    comment: str | None
    extension: bool
    acl: bool


@dataclass(frozen=True)
class Sequence:
    schema: str
    name: str
    owner_table: str | None  # "schema.table" or None
    owner_column: str | None
    dependency: str | None  # 'i' identity, 'a' serial / OWNED BY, None free-standing
    start: int
    increment: int
    minimum: int
    maximum: int
    cache: int
    cycle: bool
    type: str


@dataclass
class Database:
    schemas: list[tuple[str, str | None, bool]]  # (name, comment, has a grant)
    extensions: list[tuple[str, str, str]]  # (name, schema, version)
    types: list[TypeInfo]
    relations: list[Relation]
    routines: list[tuple[str, str, str]]  # (schema, name(args), prokind)
    sequences: list[Sequence]
    others: list[tuple[str, str, str]]  # (kind, schema, name)
    server_version: int = 0
    unread_schemas: list[str] = field(default_factory=list)  # user schemas the caller did not ask for
    domains: list[DomainInfo] = field(default_factory=list)  # generator.pg.introspect_domains
    composites: dict[str, list[Any]] = field(default_factory=dict)  # "schema.name" -> attributes (introspect_types)
    ranges: dict[str, Any] = field(default_factory=dict)  # "schema.name" -> RangeInfo (introspect_types)
    views: dict[int, Any] = field(default_factory=dict)  # relation oid -> ViewInfo (introspect_views)
    functions: list[Any] = field(default_factory=list)  # generator.pg.introspect_functions.FunctionInfo
    triggers: list[Any] = field(default_factory=list)  # generator.pg.introspect_functions.TriggerInfo
    access: Any = None  # generator.pg.catalog_access.AccessState of public (RLS, policies, grants, default ACL)


def read_database(conn: Any, schemas: list[str]) -> Database:
    """Read everything in ``schemas`` through a psycopg connection (or a SQLAlchemy one:
    its driver connection is used). One query per kind; the caller owns the transaction."""
    raw = getattr(getattr(conn, "connection", None), "driver_connection", None) or conn
    params = {"schemas": list(schemas)}
    rows: dict[str, list[tuple[Any, ...]]] = {}
    with raw.cursor() as cur:
        for key, sql in QUERIES.items():
            if key == "indexes" and raw.info.server_version < 150000:
                sql = sql.replace(
                    "COALESCE((SELECT x2.indnullsnotdistinct FROM pg_index x2 WHERE x2.indexrelid = x.indexrelid), false)",
                    "false",
                )
            cur.execute(sql, params)
            rows[key] = list(cur.fetchall())
        version = raw.info.server_version
    composites, ranges = type_details(rows["type_attributes"], rows["type_ranges"])
    db = _build(rows, version)
    db.domains = domains_from_rows(rows["domains"])
    db.composites, db.ranges = composites, ranges
    db.views = views_from_rows(rows["views"])
    db.functions, db.triggers = introspect_functions.read(raw, schemas)  # other schemas': write_schemas.fold
    if "public" in schemas:
        db.access = catalog_access.read_database(raw)
    return db


def _build(rows: dict[str, list[tuple[Any, ...]]], version: int) -> Database:
    relations = [Relation(*r) for r in rows["relations"]]
    by_oid = {r.oid: r for r in relations}
    for r in rows["columns"]:
        rel = by_oid.get(r[0])
        if rel is not None:
            rel.columns.append(Column(*r[1:22], collation_name=r[23]))
    for r in rows["constraints"]:
        rel = by_oid.get(r[0])
        if rel is None:
            continue
        (name, contype, definition, deferrable, deferred, validated, noinherit, cols, _confrelid,
         ref_schema, ref_table, ref_cols, upd, dele, match, comment, _indid, local, setcols) = r[1:]
        rel.constraints.append(Constraint(
            name, contype, definition, deferrable, deferred, validated, noinherit, tuple(cols or ()),
            ref_schema, ref_table, tuple(ref_cols or ()), upd, dele, match, comment, local, setcols,
        ))
    for r in rows["indexes"]:
        rel = by_oid.get(r[0])
        if rel is None:
            continue
        (name, definition, unique, primary, nkey, natts, exprs, pred, method, options, tablespace, comment,
         cols, indoption, defopc, defcoll, constraint, nnd, valid, items) = r[1:]
        rel.indexes.append(Index(
            name, definition, unique, primary, nkey, natts, exprs, pred, method, options is not None, tablespace,
            comment, tuple(cols or ()), tuple(indoption or ())[:nkey], bool(defopc) if defopc is not None else True,
            bool(defcoll) if defcoll is not None else True, constraint, bool(nnd), valid, tuple(items or ()),
        ))
    _partitioning(by_oid, rows.get("partitioning", []))
    for oid, name in rows["triggers"]:
        if oid in by_oid:
            by_oid[oid].triggers.append(name)
    for oid, name in rows["policies"]:
        if oid in by_oid:
            by_oid[oid].policies.append(name)
    for oid, name in rows["rules"]:
        if oid in by_oid:
            by_oid[oid].rules.append(name)
    sequences = []
    for oid, owner, column, dep, start, inc, mn, mx, cache, cycle, typ in rows["sequences"]:
        rel = by_oid.get(oid)
        if rel is None:
            continue
        owner_rel = by_oid.get(owner) if owner is not None else None
        sequences.append(Sequence(
            rel.schema, rel.name, f"{owner_rel.schema}.{owner_rel.name}" if owner_rel else None, column, dep,
            start, inc, mn, mx, cache, cycle, typ,
        ))
    types = [TypeInfo(s, n, k, tuple(labels or ()), c, bool(e), bool(a)) for s, n, k, labels, c, e, a in rows["types"]]
    return Database(
        schemas=[(n, c, bool(g)) for n, c, g in rows["schemas"]],
        extensions=[tuple(r) for r in rows["extensions"]],  # type: ignore[misc]
        types=types,
        relations=relations,
        routines=[tuple(r) for r in rows["routines"]],  # type: ignore[misc]
        sequences=sequences,
        others=[tuple(r) for r in rows["others"]],  # type: ignore[misc]
        server_version=version,
    )


def _partitioning(by_oid: dict[int, Relation], rows: list[tuple[Any, ...]]) -> None:
    for what, oid, name, detail in rows:
        rel = by_oid.get(oid)
        if rel is None:
            continue
        if what == "key":
            rel.partition_key = detail
        elif what == "bound":
            rel.bound = detail
        elif what == "parent":
            rel.parents.append(name)
        elif what == "inherited column":
            rel.inherited_columns.add(name)
        else:
            rel.derived.add((what.split()[1], name))


def user_schemas(conn: Any) -> list[str]:
    """Every schema but the system ones (pg_catalog, information_schema, toast, temp)."""
    raw = getattr(getattr(conn, "connection", None), "driver_connection", None) or conn
    with raw.cursor() as cur:
        cur.execute(QUERIES["schemas"])
        return [r[0] for r in cur.fetchall()]
