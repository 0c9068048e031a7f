"""Keep DossierMonthStat and DossierDayStat current, set-based: the database groups the touched dossiers into
summary cells and their counts are added (or subtracted) with INSERT ... ON CONFLICT.

Two grains of the same counts: day cells (unit × procedure × local day) answer any window of days, such as
the Decree 09/2019 windows that cut through months; month cells answer whole calendar months from about
30 times fewer rows. The database groups a batch by local day once; the month cells are sums of those days.

Ingestion reads the cells a batch's dossiers count for before and after it writes them, and adds the
difference with `stats_add`, which upserts the month cells, then the day cells, each in one fixed order
(unit, procedure, month or day). Every writer locks the cells it changes in that same order, so two
concurrent imports that share cells wait for each other instead of deadlocking (each used to lock its
received-side cells, then its completed-side cells: two batches could each hold a cell the other needed next).

PostgreSQL and SQLite both speak this upsert, so development and production share the code.
"""

from collections import Counter, defaultdict

from django.db import connection
from django.db.models import Count, DateField, Q
from django.db.models.functions import Trunc

from . import counting as rule
from .models import STAT_COUNTERS, Channel, DossierDayStat, DossierMonthStat

# Each grain: its table's model, its date column, and what it truncates a moment to (in the local zone).
GRAINS = ((DossierMonthStat, "month", "month"), (DossierDayStat, "day", "day"))


def received_side():
    """Counters dated by reception, over received dossiers only (counting.received_q)."""
    received = rule.received_q()
    return {
        "received": Count("id", filter=received),
        "received_online": Count("id", filter=received & Q(channel=Channel.ONLINE)),
        "pending": Count("id", filter=rule.pending_q()),
        "fee_required": Count("id", filter=received & Q(fee_required=True)),
        "paid_online": Count("id", filter=received & Q(fee_required=True, paid_online=True)),
        "digitized": Count("id", filter=received & Q(digitized=True)),
        "withdrawn": Count("id", filter=rule.withdrawn_q()),
        "stopped": Count("id", filter=rule.stopped_q()),
    }


def completed_side():
    """Counters dated by the end of processing (NgayKetThucXuLy), over processed dossiers (9 or 10)."""
    return {
        "processed": Count("id", filter=rule.processed_q()),
        "on_time": Count("id", filter=rule.on_time_q()),
        "late": Count("id", filter=rule.late_q()),
        "e_result": Count("id", filter=rule.processed_q() & Q(e_result=True)),
    }


def sides():
    return (("received_at", received_side()), ("completed_at", completed_side()))


def _grouped(dossiers, date_field, counters, unit_field="unit_id", grain="month"):
    # Trunc works in the current (the portal's local) zone: a dossier counts on its local date.
    cell = Trunc(date_field, grain, output_field=DateField())
    return (
        dossiers.filter(**{f"{date_field}__isnull": False})
        .annotate(cell_month=cell)
        .values(unit_field, "procedure_id", "cell_month")
        # Prefixed aliases: SQLite would read a bare "fee_required" in a later filter as this alias.
        .annotate(**{f"n_{name}": aggregate for name, aggregate in counters.items()})
        .order_by()
    )


def stats_cells(dossiers):
    """Return {(unit_id, procedure_id, local day): Counter of counters} that `dossiers` (a queryset) count for."""
    cells = defaultdict(Counter)
    for date_field, counters in sides():
        for group in _grouped(dossiers, date_field, counters, grain="day"):
            cell = cells[(group["unit_id"], group["procedure_id"], group["cell_month"])]
            for name in counters:
                cell[name] += group[f"n_{name}"]
    return cells


def stats_difference(after, before):
    """Return the cells of `after` minus `before`, leaving out those that do not change."""
    difference = {}
    for key in after.keys() | before.keys():
        change = Counter(after.get(key, {}))
        change.subtract(before.get(key, {}))
        if any(change.values()):
            difference[key] = change
    return difference


def month_cells(day_cells):
    """Return the month cells that day cells ({(unit, procedure, day): Counter}) add up to, leaving out zeros."""
    months = defaultdict(Counter)
    for (unit_id, procedure_id, day), counts in day_cells.items():
        months[(unit_id, procedure_id, day.replace(day=1))].update(counts)
    return {key: counts for key, counts in months.items() if any(counts.values())}


def stats_add(changes):
    """Add `changes` (day cells: {cell: Counter}) into the summary: month cells first, then day cells.

    Each table's cells in (unit, procedure, month or day) order, and every writer takes the tables in the
    same order, so two writers never each hold a cell the other waits for.
    """
    if not changes:
        return
    _upsert(DossierMonthStat, "month", month_cells(changes))
    _upsert(DossierDayStat, "day", changes)


def _upsert(model, date_column, changes):
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ["unit_id", "procedure_id", date_column, *STAT_COUNTERS]
    updates = ", ".join(f"{name} = {table}.{name} + excluded.{name}" for name in STAT_COUNTERS)
    cells = sorted(changes)  # the fixed order that keeps two writers from deadlocking
    per_statement = max(1, min(500, (connection.features.max_query_params or 10_000) // len(columns)))
    row_sql = "(" + ", ".join(["%s"] * len(columns)) + ")"
    for start in range(0, len(cells), per_statement):
        chunk = cells[start:start + per_statement]
        params = [value for key in chunk for value in (*key, *(changes[key][name] for name in STAT_COUNTERS))]
        sql = (
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join([row_sql] * len(chunk))} "
            f"ON CONFLICT (unit_id, procedure_id, {date_column}) DO UPDATE SET {updates}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def stats_apply(dossiers, *, sign):
    """Add (sign=1) or subtract (sign=-1) the counts of `dossiers` (a queryset) into the summary.

    For a writer that runs alone (stats_rebuild): two concurrent callers could deadlock; ingestion uses
    stats_add instead.
    """
    for model, date_column, grain in GRAINS:
        for date_field, counters in sides():
            _apply_side(model, date_column, _grouped(dossiers, date_field, counters, grain=grain), counters, sign)


def _apply_side(model, date_column, grouped, counters, sign):
    table = connection.ops.quote_name(model._meta.db_table)
    inner_sql, params = grouped.query.sql_with_params()
    names = list(counters)
    zeros = [name for name in STAT_COUNTERS if name not in counters]
    columns = ", ".join(["unit_id", "procedure_id", date_column, *names, *zeros])
    selected = ", ".join(
        ["s.unit_id", "s.procedure_id", "s.cell_month", *[f"{sign:d} * s.n_{name}" for name in names],
         *["0"] * len(zeros)]
    )
    updates = ", ".join(f"{name} = {table}.{name} + excluded.{name}" for name in names)
    sql = (
        f"INSERT INTO {table} ({columns}) SELECT {selected} FROM ({inner_sql}) s WHERE true "
        f"ON CONFLICT (unit_id, procedure_id, {date_column}) DO UPDATE SET {updates}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def stats_rebuild():
    """Recompute the whole summary from the dossiers (repair tool; ingestion never needs it)."""
    from .models import Dossier

    DossierMonthStat.objects.all().delete()
    DossierDayStat.objects.all().delete()
    stats_apply(Dossier.objects.all(), sign=1)
