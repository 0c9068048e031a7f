"""Write a validated dossier batch set-based on PostgreSQL: COPY into temporary staging tables, then one
statement that upserts the dossiers, records the status changes, replaces the supplements and steps that
changed and works out the statistics delta; then the two ordered statistics upserts.

`procedures.ingest` validates, locks the source, classifies and creates the DossierImport row exactly as on
any database; this module replaces only its write (`ingest._write_orm`, used on SQLite and for small
batches). Queries per batch, whatever its size: the staging tables (one multi-statement query), the main
statement, the month upsert and the day upsert, plus one binary COPY per staging table that has rows.

The main statement reads the stored versions of the batch's changed dossiers (`old`, by the ids the
classification read: an index lookup whatever the table's size) in the same snapshot the upsert starts
from, so the statistics delta is new cells minus old cells of exactly the rows the upsert changed
(`ON CONFLICT ... DO UPDATE ... WHERE` something differs; `RETURNING` says which). Two writers of one source
never meet here: ingest holds the source's advisory lock. Writers of different sources share only
statistics cells, which both upserts take in (unit, procedure, month or day) order, months first, the
order `stats.stats_add` keeps on the other path.
"""

import itertools
import json

from django.conf import settings
from django.db import connection
from django.utils import timezone

from .dossier_fields import STEP_FIELDS, STORED, SUPPLEMENT_FIELDS, StoredDossier
from .models import (
    STAT_COUNTERS,
    Dossier,
    DossierDayStat,
    DossierMonthStat,
    DossierStatusChange,
    DossierStep,
    DossierSupplement,
)

# In the session's own temporary schema, named so that nothing else of the same name can be meant.
STAGE = "pg_temp.dx_dossier_stage"
STAGE_SUPPLEMENTS = "pg_temp.dx_dossier_stage_supplement"
STAGE_STEPS = "pg_temp.dx_dossier_stage_step"
STAGE_DELTA = "pg_temp.dx_dossier_stage_delta"
SUPPLEMENT_NAMES = [name for name, _national, _kind in SUPPLEMENT_FIELDS]
STEP_NAMES = [name for name, _national, _kind in STEP_FIELDS]


def available():
    """Is the set-based write available on this connection (PostgreSQL with psycopg 3)?"""
    return connection.vendor == "postgresql"


def existing(source, codes):
    """Return {code: (pk, StoredDossier)} of the stored dossiers of `source` among `codes`, in one query."""
    if not codes:
        return {}
    columns = ", ".join(f"d.{_q(column)}" for column, _kind in _columns(Dossier, STORED))
    fees = STORED.index("fees")
    found = {}
    # One (source, code) index probe per code, whatever the planner believes of the table: with `code = ANY`
    # it took a batch's 10,000 codes for a large share of the table and read all of it (0.23 s at 1,000,000
    # dossiers when the table had not been analysed yet, against 15 ms of probes). The LIMIT keeps the
    # subquery from being flattened into a join the planner could again turn into a scan; codes are unique.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT d.id, d.code, {columns} FROM unnest(%s::text[]) AS wanted (code) "
                       f"CROSS JOIN LATERAL (SELECT * FROM {_q(Dossier._meta.db_table)} "
                       "WHERE source = %s AND code = wanted.code LIMIT 1) d", [codes, source])
        for pk, code, *values in cursor.fetchall():
            values[fees] = json.loads(values[fees])  # Django reads jsonb as text, as JSONField does
            found[code] = (pk, StoredDossier(*values))
    return found


def _q(name):
    return connection.ops.quote_name(name)


def _columns(model, names):
    """Return [(column, database type)] of the model's fields named (by attribute name) in `names`."""
    fields = {field.attname: field for field in model._meta.concrete_fields}
    return [(fields[name].column, fields[name].db_type(connection)) for name in names]


def _copy_types(columns):
    """PostgreSQL type names psycopg dumps binary COPY rows as (varchar(n) as text, jsonb as jsonb)."""
    plain = {"bigint": "int8", "integer": "int4", "smallint": "int2", "boolean": "bool",
             "timestamp with time zone": "timestamptz", "jsonb": "jsonb"}
    return [plain.get(kind, "text") for _column, kind in columns]


def _stage_sql(immediate):
    """The staging tables for one transaction (dropped at commit), in one multi-statement query."""
    dossier = [("ord", "integer"), ("code", "varchar(100)"), *_columns(Dossier, STORED)]
    supplement = [("code", "varchar(100)"), ("position", "smallint"),
                  *_columns(DossierSupplement, SUPPLEMENT_NAMES)]
    step = [("code", "varchar(100)"), ("position", "smallint"), *_columns(DossierStep, STEP_NAMES)]
    delta = [("unit_id", "bigint"), ("procedure_id", "bigint"), ("day", "date"),
             *[(name, "integer") for name in STAT_COUNTERS]]
    statements = ["SET CONSTRAINTS ALL IMMEDIATE"] if immediate else []
    for table, columns in ((STAGE, dossier), (STAGE_SUPPLEMENTS, supplement), (STAGE_STEPS, step),
                           (STAGE_DELTA, delta)):
        body = ", ".join(f"{_q(column)} {kind}" for column, kind in columns)
        # A caller's outer transaction may still hold the tables of an earlier batch.
        statements.append(f"DROP TABLE IF EXISTS {table}")
        statements.append(f"CREATE TEMPORARY TABLE {table.removeprefix('pg_temp.')} ({body}) ON COMMIT DROP")
    return ";\n".join(statements), {"dossier": dossier, "supplement": supplement, "step": step}


def write(source, batch, creates, updates, existing, children, *, immediate):
    """Write the created and changed dossiers of a batch, their children and the statistics delta.

    Same arguments as `ingest._write_orm`; `immediate` makes the deferred foreign-key checks run at each
    statement's end instead of at COMMIT (only when the import owns the transaction).
    """
    sql, columns = _stage_sql(immediate)
    with connection.cursor() as cursor:
        cursor.execute(sql)
    created = {code for code, _values in creates}
    rewrite = [code for code, values in itertools.chain(creates, updates)
               if (code in created and (children[code][0] or children[code][1]))
               or (code not in created and existing[code][1].details_digest != values.details_digest)]
    raw = connection.connection.cursor()  # psycopg's own cursor: Django's wrapper has no COPY
    with raw:
        _copy(raw, STAGE, columns["dossier"], _dossier_rows(itertools.chain(creates, updates)))
        supplements = [(code, position, *item) for code in rewrite
                       for position, item in enumerate(children[code][0], start=1)]
        steps = [(code, position, *item) for code in rewrite
                 for position, item in enumerate(children[code][1], start=1)]
        _copy(raw, STAGE_SUPPLEMENTS, columns["supplement"], supplements)
        _copy(raw, STAGE_STEPS, columns["step"], steps)
    with connection.cursor() as cursor:
        updated = [existing[code][0] for code, _values in updates]
        cursor.execute(_main_sql(), {"source": source, "batch": batch.pk, "updated": updated})
        cursor.execute(_upsert_sql(DossierMonthStat, "month", "date_trunc('month', d.day::timestamp)::date"))
        cursor.execute(_upsert_sql(DossierDayStat, "day", "d.day"))


def _dossier_rows(rows):
    from psycopg.types.json import Jsonb  # PostgreSQL's driver: imported only where it is used

    fees = STORED.index("fees")
    for number, (code, values) in enumerate(rows):
        row = [number, code, *values]
        row[2 + fees] = Jsonb(row[2 + fees])
        yield row


def _copy(raw, table, columns, rows):
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return
    names = ", ".join(_q(column) for column, _kind in columns)
    with raw.copy(f"COPY {table} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(_copy_types(columns))
        copy.write_row(first)
        for row in rows:
            copy.write_row(row)


def _literal(text):
    """A zone name as the SQL string literal it is put in as (names come from settings, never from a request)."""
    return text.replace("'", "''")


def _counter_conditions(zone):
    """Each statistics counter as (the date it counts on, SQL condition over a dossier row `v`).

    The same rules as procedures.counting (received_q, pending_q, on_time_q, ...) and stats.sides(): the
    received side counts on the local day of reception, the completed side on the local day processing ended.
    """
    received = "v.status NOT IN ('1', '3')"
    processed = "v.status IN ('9', '10')"
    on_or_before_due = f"(v.completed_at AT TIME ZONE '{zone}')::date <= (v.due_at AT TIME ZONE '{zone}')::date"
    late = f"(v.completed_at AT TIME ZONE '{zone}')::date > (v.due_at AT TIME ZONE '{zone}')::date"
    return {
        "received": ("received_at", received),
        "received_online": ("received_at", f"{received} AND v.channel = 'online'"),
        "pending": ("received_at", "v.status IN ('2', '4', '5', '6')"),
        "fee_required": ("received_at", f"{received} AND v.fee_required"),
        "paid_online": ("received_at", f"{received} AND v.fee_required AND v.paid_online"),
        "digitized": ("received_at", f"{received} AND v.digitized"),
        "withdrawn": ("received_at", "v.status = '7'"),
        "stopped": ("received_at", "v.status = '8'"),
        "processed": ("completed_at", processed),
        "on_time": ("completed_at", f"{processed} AND {on_or_before_due}"),
        "late": ("completed_at", f"{processed} AND {late}"),
        "e_result": ("completed_at", f"{processed} AND v.e_result"),
    }


def _main_sql():
    dossiers, changes = _q(Dossier._meta.db_table), _q(DossierStatusChange._meta.db_table)
    supplements, steps = _q(DossierSupplement._meta.db_table), _q(DossierStep._meta.db_table)
    stored = [column for column, _kind in _columns(Dossier, STORED)]
    written = ", ".join(_q(column) for column in stored)
    staged = ", ".join(f"s.{_q(column)}" for column in stored)
    updates = ", ".join(f"{_q(column)} = excluded.{_q(column)}" for column in [*stored, "last_import_id"])
    differs = (f"({', '.join(f'{dossiers}.{_q(column)}' for column in stored)}) IS DISTINCT FROM "
               f"({', '.join(f'excluded.{_q(column)}' for column in stored)})")
    counted = ["unit_id", "procedure_id", "status", "channel", "received_at", "due_at", "completed_at",
               "fee_required", "paid_online", "digitized", "e_result"]
    read = ", ".join(f"d.{column}" for column in ["id", "details_digest", *counted])
    # Statistics: the day grain in the portal's current zone (as stats._grouped truncates), the on-time
    # comparison in settings.TIME_ZONE (as counting.on_time_q); the two are the same zone in practice.
    day_zone, rule_zone = _literal(timezone.get_current_timezone_name()), _literal(settings.TIME_ZONE)
    conditions = _counter_conditions(rule_zone)
    sums = ", ".join(
        f"COALESCE(SUM(v.sign) FILTER (WHERE side.counts_on = '{conditions[name][0]}' AND {conditions[name][1]}), 0)"
        for name in STAT_COUNTERS)
    counters = ", ".join(STAT_COUNTERS)
    counted_v = ", ".join(counted)
    supplement_columns = ", ".join(_q(column) for column, _kind in _columns(DossierSupplement, SUPPLEMENT_NAMES))
    step_columns = ", ".join(_q(column) for column, _kind in _columns(DossierStep, STEP_NAMES))
    return f"""
WITH old AS MATERIALIZED (
    SELECT {read} FROM {dossiers} d WHERE d.id = ANY(%(updated)s::bigint[])
),
up AS (
    INSERT INTO {dossiers} (source, code, {written}, last_import_id)
    SELECT %(source)s, s.code, {staged}, %(batch)s FROM {STAGE} s ORDER BY s.ord
    ON CONFLICT (source, code) DO UPDATE SET {updates} WHERE {differs}
    RETURNING id, code, status_at, details_digest, {counted_v}
),
changed AS MATERIALIZED (
    SELECT up.id, up.code, up.status, up.status_at, old.id IS NULL AS created, old.status AS old_status,
           old.details_digest IS DISTINCT FROM up.details_digest AS rewrite
    FROM up LEFT JOIN old ON old.id = up.id
),
status_changes AS (
    INSERT INTO {changes} (dossier_id, previous_status, status, at, dossier_import_id)
    SELECT id, COALESCE(old_status, ''), status, status_at, %(batch)s FROM changed
    WHERE created OR old_status <> status ORDER BY id
),
gone_supplements AS (
    DELETE FROM {supplements} WHERE dossier_id IN (SELECT id FROM changed WHERE rewrite AND NOT created)
),
gone_steps AS (
    DELETE FROM {steps} WHERE dossier_id IN (SELECT id FROM changed WHERE rewrite AND NOT created)
),
new_supplements AS (
    INSERT INTO {supplements} (dossier_id, position, {supplement_columns})
    SELECT changed.id, c.position, {", ".join(f"c.{_q(c)}" for c in SUPPLEMENT_NAMES)}
    FROM {STAGE_SUPPLEMENTS} c JOIN changed ON changed.code = c.code WHERE changed.rewrite
    ORDER BY changed.id, c.position
),
new_steps AS (
    INSERT INTO {steps} (dossier_id, position, {step_columns})
    SELECT changed.id, c.position, {", ".join(f"c.{_q(c)}" for c in STEP_NAMES)}
    FROM {STAGE_STEPS} c JOIN changed ON changed.code = c.code WHERE changed.rewrite
    ORDER BY changed.id, c.position
),
versions AS (
    SELECT 1 AS sign, {counted_v} FROM up
    UNION ALL
    SELECT -1, {", ".join(f"o.{column}" for column in counted)} FROM old o JOIN up ON up.id = o.id
)
INSERT INTO {STAGE_DELTA} (unit_id, procedure_id, day, {counters})
SELECT v.unit_id, v.procedure_id, (side.at AT TIME ZONE '{day_zone}')::date, {sums}
FROM versions v
CROSS JOIN LATERAL (VALUES ('received_at', v.received_at), ('completed_at', v.completed_at)) AS side(counts_on, at)
WHERE side.at IS NOT NULL
GROUP BY 1, 2, 3
"""


def _upsert_sql(model, date_column, cell):
    """Add the staged delta into one grain's cells, taking the cells in (unit, procedure, date) order."""
    table = _q(model._meta.db_table)
    sums = ", ".join(f"SUM(d.{name})" for name in STAT_COUNTERS)
    nonzero = " OR ".join(f"SUM(d.{name}) <> 0" for name in STAT_COUNTERS)
    updates = ", ".join(f"{name} = {table}.{name} + excluded.{name}" for name in STAT_COUNTERS)
    return (
        f"INSERT INTO {table} (unit_id, procedure_id, {date_column}, {', '.join(STAT_COUNTERS)}) "
        f"SELECT d.unit_id, d.procedure_id, {cell}, {sums} FROM {STAGE_DELTA} d GROUP BY 1, 2, 3 "
        f"HAVING {nonzero} ORDER BY 1, 2, 3 "
        f"ON CONFLICT (unit_id, procedure_id, {date_column}) DO UPDATE SET {updates}"
    )
