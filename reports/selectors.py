"""Reads of reports that the admin and the API share; who sees what is the policy's."""

from django.db.models import Exists
from django.utils.text import slugify

from departments.models import UnitKind
from departments.policy import restrict_to_scope, units_visible_to

from .models import FileFormat, Report

CONTENT_TYPES = {
    FileFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    FileFormat.CSV: "text/csv; charset=utf-8",
    FileFormat.PDF: "application/pdf",
}
FORMAT_ORDER = {fmt: index for index, fmt in enumerate(FileFormat.values)}


def files_in_format_order(report):
    """Return the report's files in the order FileFormat lists the formats.

    Sorted here, not in SQL, so that a list page's one prefetch of the files serves every report.
    """
    return sorted(report.files.all(), key=lambda stored: FORMAT_ORDER.get(stored.format, len(FORMAT_ORDER)))


def reports_visible_to(actor, queryset=None):
    """Return the reports the actor may see: its units' reports, and province-wide ones if its scope is the province.

    Reviewers and administrators see everything. Staff and API keys see the reports of the units in
    their scope; a province-wide report (no unit) only when that scope includes a province-level unit,
    since it sums the data of every unit.
    """
    queryset = Report.objects.all() if queryset is None else queryset
    if actor.role is None:
        return queryset.none()
    if actor.sees_everything:
        return queryset
    province_in_scope = Exists(units_visible_to(actor).filter(kind=UnitKind.PROVINCE))
    return restrict_to_scope(actor, queryset) | queryset.filter(province_in_scope, unit__isnull=True)


def report_file_name(report, fmt):
    """Return an ASCII file name such as bao-cao-2023-toan-tinh.xlsx, safe in every browser and system."""
    scope = slugify(report.unit.code) if report.unit_id else "toan-tinh"
    return f"bao-cao-{slugify(report.period)}-{scope}.{fmt}"
