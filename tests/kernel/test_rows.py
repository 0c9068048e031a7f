"""The lists served through FastRowsMixin answer the very bytes DRF's own field-by-field reading answers."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import DateTimeField
from rest_framework import serializers

from departments.policy import Actor
from indicators.models import AuditChannel, IndicatorValue
from indicators.services import comment_add, evidence_add, value_create, value_return, value_submit
from kernel.api.fields import ChoiceLabelField
from kernel.api.rows import FastRowsMixin
from procedures.ingest import dossiers_import
from procedures.models import Dossier, DossierImport

from ..factories import IndicatorFactory, ProcedureFactory

pytestmark = pytest.mark.django_db
API = AuditChannel.API
AT = datetime(2024, 2, 3, 4, 5, 6, 789000, tzinfo=UTC)


def drf_label(self, instance):
    """ChoiceLabelField as it read before its labels were kept for the request."""
    return str(instance._get_FIELD_display(instance._meta.get_field(self.choice_field)))


def both_ways(client, url, monkeypatch):
    """Return (bytes as served, bytes with every row read by DRF's own Serializer.to_representation)."""
    fast = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content
    with monkeypatch.context() as patched:
        patched.setattr(FastRowsMixin, "to_representation", serializers.Serializer.to_representation)
        patched.setattr(ChoiceLabelField, "to_representation", drf_label)
        slow = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content
    return fast, slow


def every_value_field(cast):
    """Values of unit A with every column set, evidence, a comment and a review."""
    staff, reviewer = Actor(cast.staff_a), Actor(cast.reviewer)
    for number in range(3):
        value = value_create(indicator=IndicatorFactory(), unit=cast.unit_a, period="2023", numerator=90 + number,
                             denominator=100, note=f"ghi chú {number}", actor=staff, channel=API)
        evidence_add(value=value, upload=SimpleUploadedFile("a.pdf", b"%PDF-1.4 x"), actor=staff, channel=API)
        comment_add(value=value, text="?", actor=reviewer, channel=API)
        value = value_return(value=value_submit(value=value, actor=staff, channel=API), reason="thiếu",
                             actor=reviewer, channel=API)
    IndicatorValue.objects.update(value=Decimal("90.5"), reviewed_by=cast.reviewer, reviewed_at=AT,
                                  first_submitted_at=AT, submitted_at=AT, updated_by=cast.staff_a)
    assert not IndicatorValue.objects.filter(reviewed_by=None).exists()


@pytest.mark.parametrize("role", ["staff_a", "staff_b", "reviewer", "system"])
def test_indicator_values_are_the_same_bytes(cast, client_as, role, monkeypatch):
    every_value_field(cast)
    fast, slow = both_ways(client_as(role), "/api/v1/indicator-values/", monkeypatch)
    assert fast == slow
    assert role == "staff_b" or b'"evidence":[{' in fast  # another unit sees no draft: none of its rows at all


@pytest.mark.parametrize("role", ["staff_a", "system", "admin"])
def test_dossiers_are_the_same_bytes(cast, client_as, role, monkeypatch):
    ProcedureFactory(code="1.000001.H42", department=cast.unit_a)
    rows = [{"code": f"HS-{n}", "procedure": "1.000001.H42", "unit": "A", "receiving_unit": "B",
             "channel": "online", "received_at": "2023-08-01T08:00:00+07:00", "due_at": "2023-08-10T17:00:00+07:00",
             "completed_at": "2023-08-05T10:00:00+07:00", "outcome": "resolved", "fee_required": True,
             "paid_online": True, "digitized": True, "e_result": True} for n in range(3)]
    dossiers_import(rows=rows, source="motcua", actor=Actor(cast.admin), channel="api")
    empty = [f.name for f in Dossier._meta.concrete_fields if f.null and isinstance(f, DateTimeField)]
    Dossier.objects.update(**dict.fromkeys(empty, AT), last_import=DossierImport.objects.first())
    fast, slow = both_ways(client_as(role), "/api/v1/dossiers/", monkeypatch)
    assert fast == slow and b'"last_import":null' not in fast and b"HS-2" in fast


def catalogue_rows(cast):
    """Units with a parent and a successor, procedures with a field and department, indicators, targets, reports."""
    from departments.models import Unit
    from procedures.models import Procedure

    from ..factories import PillarFactory, TargetFactory, UnitFactory
    from ..reports.permission_rows import stored_report

    closed = UnitFactory(parent=cast.unit_a, valid_to=datetime(2024, 6, 30).date())
    Unit.objects.filter(pk=closed.pk).update(successor=cast.unit_b)
    for number in range(3):
        ProcedureFactory(department=cast.unit_a)
        indicator = IndicatorFactory(pillar=PillarFactory() if number else None, baseline_year=2020,
                                     baseline_value=Decimal("12.5"))
        TargetFactory(indicator=indicator, unit=cast.unit_a if number else None)
        stored_report(cast.unit_a if number else None, requested_by=cast.staff_a)
    assert Procedure.objects.exists()


@pytest.mark.parametrize("url", ["/api/v1/units/", "/api/v1/procedures/", "/api/v1/indicators/", "/api/v1/targets/",
                                 "/api/v1/reports/"])
@pytest.mark.parametrize("role", ["reviewer", "system"])
def test_catalogue_lists_are_the_same_bytes(cast, client_as, role, url, monkeypatch):
    catalogue_rows(cast)
    fast, slow = both_ways(client_as(role), url, monkeypatch)
    assert fast == slow and b'"results":[{' in fast
