"""The report endpoints in the permission matrix, and the stored reports they (and the report tests) use.

Each role gets reports made afresh for it (path parameters are computed once per role), so one role's
request never decides what the next one gets.
"""

import hashlib
import json
import uuid
from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from reports.models import FileFormat, Report, ReportFile, ReportKind, ReportStatus
from tests.matrix import Row, everyone

SUMMARY = {
    "dossiers": {"received": 4, "processed": 3, "on_time": 2, "on_time_rate": 66.67},
    "indicators": {"total": 1, "achieved": 1},
    "completeness": {"expected": 2, "submitted": 1, "missing": 1},
}


def stored_report(unit=None, *, period="2023", status=ReportStatus.DONE, formats=FileFormat.values, **fields):
    """Return a report as the worker leaves it: done, with a small file per format (no worker needed)."""
    now = timezone.now()
    done = status == ReportStatus.DONE
    report = Report.objects.create(
        kind=ReportKind.COMPLIANCE, period=period, unit=unit, data_version=uuid.uuid4().hex, status=status,
        started_at=now - timedelta(seconds=3) if status != ReportStatus.QUEUED else None,
        finished_at=now if done or status == ReportStatus.FAILED else None,
        summary=SUMMARY if done else {}, **fields,
    )
    for fmt in formats if done else ():
        data = f"{fmt}: báo cáo {report.pk} — Sở A".encode()
        stored = ReportFile(report=report, format=fmt, size=len(data), sha256=hashlib.sha256(data).hexdigest())
        stored.file.save(f"{report.pk}.{fmt}", ContentFile(data), save=False)
        stored.save()
    return report


def report_of_a(cast):
    return stored_report(cast.unit_a).pk


def report_of_b(cast):
    return stored_report(cast.unit_b).pk


def province_report(cast):
    return stored_report().pk


def queued_report_of_a(cast):
    return stored_report(cast.unit_a, status=ReportStatus.QUEUED).pk


def no_reports_yet(cast):
    """Let every role request the same report as if it were the first (else the second role gets a 200)."""
    Report.objects.all().delete()
    return ""


REPORTS = "/api/v1/reports/"
REPORT = "/api/v1/reports/{id}/"
DOWNLOAD = "/api/v1/reports/{id}/download/"
FOR_UNIT_A = json.dumps({"kind": "compliance", "period": "2023", "unit": "A"})
FOR_PROVINCE = json.dumps({"kind": "compliance", "period": "2023"})

REPORT_API_ROWS = [
    Row("GET", REPORTS, everyone(200, anonymous=401)),
    # Unit A is outside staff_b's scope: its code is answered like an unknown one (400 on the "unit" field).
    Row("POST", REPORTS, everyone(202, anonymous=401, staff_b=400), params={"fresh": no_reports_yet},
        body=FOR_UNIT_A),
    # Province-wide reports are requested by reviewers and administrators only.
    Row("POST", REPORTS, everyone(403, anonymous=401, reviewer=202, admin=202), params={"fresh": no_reports_yet},
        body=FOR_PROVINCE),
    Row("GET", REPORT, everyone(200, anonymous=401, staff_b=404), params={"id": report_of_a}),
    Row("GET", REPORT, everyone(200, anonymous=401, staff_a=404, system=404), params={"id": report_of_b}),
    # The system key is bound to unit A, not to the province: it does not see province-wide reports.
    Row("GET", REPORT, everyone(404, anonymous=401, reviewer=200, admin=200), params={"id": province_report}),
    Row("GET", DOWNLOAD, everyone(400, anonymous=401, staff_b=404), params={"id": report_of_a}),  # no ?format=
    Row("GET", DOWNLOAD + "?format=xlsx", everyone(200, anonymous=401, staff_b=404), params={"id": report_of_a}),
    Row("GET", DOWNLOAD + "?format=pdf", everyone(404, anonymous=401, reviewer=200, admin=200),
        params={"id": province_report}),
    Row("GET", DOWNLOAD + "?format=csv", everyone(409, anonymous=401, staff_b=404),
        params={"id": queued_report_of_a}),  # not done yet
]
