"""How live one-stop systems count dossiers, as named rules: one Python predicate and one SQL condition each.

The statistics (procedures.stats) count with the SQL conditions; tests recount with the predicates, so
the two must say the same thing.

- received: status neither 1 (newly registered) nor 3 (not accepted), dated by its reception (NgayTiepNhan);
- processed: status 9 (done) or 10 (result returned), dated by the end of processing (NgayKetThucXuLy);
- on time: processed, and the LOCAL DATE of the end of processing is on or before the local date of the
  due date (the last due date after supplements): finishing later on the due day is still on time;
- late: processed and not on time;
- withdrawn (7) and stopped (8): received, never processed, neither on time nor late;
- pending: received and still open (2, 4, 5, 6);
- overdue as of a day: pending and its due date (local) is before that day.
"""

from datetime import datetime, time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import F, Q
from django.db.models.functions import TruncDate
from django.db.models.lookups import GreaterThan, LessThanOrEqual

from .models import DossierStatus as S

NOT_RECEIVED = (S.NEW, S.NOT_ACCEPTED)
PROCESSED = (S.DONE, S.RETURNED)
OPEN = (S.RECEIVED, S.PROCESSING, S.SUPPLEMENT, S.FINANCIAL)
ORDER = {status: int(status) for status in S.values}


def local_zone():
    return ZoneInfo(settings.TIME_ZONE)


def local_date(moment):
    return moment.astimezone(local_zone()).date()


# --- predicates over one dossier (anything with status, completed_at, due_at) ---------------------------


def is_received(dossier):
    return dossier.status not in NOT_RECEIVED


def is_processed(dossier):
    return dossier.status in PROCESSED


def is_on_time(dossier):
    return is_processed(dossier) and local_date(dossier.completed_at) <= local_date(dossier.due_at)


def is_late(dossier):
    return is_processed(dossier) and not is_on_time(dossier)


def is_withdrawn(dossier):
    return dossier.status == S.WITHDRAWN


def is_stopped(dossier):
    return dossier.status == S.STOPPED


def is_pending(dossier):
    return dossier.status in OPEN


def is_overdue(dossier, on):
    """Is the dossier still open on day `on` although its due date (local) is before that day?"""
    return is_pending(dossier) and dossier.due_at is not None and local_date(dossier.due_at) < on


def step_is_late(step):
    """A step is late when it was handled after its own due moment (NgayKetThucTheoQuyDinh)."""
    return step.at is not None and step.due_at is not None and step.at > step.due_at


# --- the same rules as SQL conditions over Dossier ----------------------------------------------------------


def received_q():
    return ~Q(status__in=NOT_RECEIVED)


def processed_q():
    return Q(status__in=PROCESSED)


def _finished_on_or_before_due():
    zone = local_zone()
    return LessThanOrEqual(TruncDate("completed_at", tzinfo=zone), TruncDate("due_at", tzinfo=zone))


def on_time_q():
    return processed_q() & Q(_finished_on_or_before_due())


def late_q():
    return processed_q() & ~Q(_finished_on_or_before_due())


def withdrawn_q():
    return Q(status=S.WITHDRAWN)


def stopped_q():
    return Q(status=S.STOPPED)


def pending_q():
    return Q(status__in=OPEN)


def overdue_q(on):
    """Open on day `on` with a due date (local) before it: the due moment is before the day's start."""
    return pending_q() & Q(due_at__lt=datetime.combine(on, time.min, tzinfo=local_zone()))


def step_late_q(prefix=""):
    return Q(**{f"{prefix}at__isnull": False, f"{prefix}due_at__isnull": False}) & Q(
        GreaterThan(F(f"{prefix}at"), F(f"{prefix}due_at")))


def step_on_time_q(prefix=""):
    return Q(**{f"{prefix}at__isnull": False, f"{prefix}due_at__isnull": False}) & ~Q(
        GreaterThan(F(f"{prefix}at"), F(f"{prefix}due_at")))
