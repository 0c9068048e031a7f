from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction

from departments.policy import Actor
from indicators.models import AuditChannel, IndicatorValue, ValueState
from indicators.services import (
    evidence_add,
    value_approve,
    value_create,
    value_reopen,
    value_return,
    value_submit,
    value_update,
)
from kernel.errors import Conflict, NotAllowed, ServiceError
from tests.factories import IndicatorFactory, UnitFactory

pytestmark = pytest.mark.django_db
API = AuditChannel.API
PDF = b"%PDF-1.4 test evidence"


@pytest.fixture
def indicator():
    return IndicatorFactory(code="FIBRE", unit_kinds=["department"])


def draft(cast, indicator, who=None, period="2023"):
    return value_create(indicator=indicator, unit=cast.unit_a, period=period, numerator=90, denominator=100,
                        actor=Actor(who or cast.staff_a), channel=API)


def test_the_whole_review_loop(cast, indicator):
    staff, reviewer = Actor(cast.staff_a), Actor(cast.reviewer)
    value = draft(cast, indicator)
    assert value.state == ValueState.DRAFT and value.value == 90
    value = value_submit(value=value, actor=staff, channel=API)
    value = value_return(value=value, reason="Thiếu số hộ", actor=reviewer, channel=API)
    assert value.state == ValueState.RETURNED and value.return_reason == "Thiếu số hộ"
    value = value_update(value=value, expected_version=value.version, actor=staff, channel=API,
                         changes={"numerator": 92})
    assert value.state == ValueState.DRAFT and value.value == 92
    value = value_submit(value=value, actor=staff, channel=API)
    value = value_approve(value=value, actor=reviewer, channel=API)
    assert value.state == ValueState.APPROVED and value.reviewed_by == cast.reviewer
    actions = list(value.audit_entries.values_list("action", flat=True))
    assert actions == ["create", "submit", "return", "update", "submit", "approve"]


def test_editing_a_submitted_value_takes_it_back_to_draft(cast, indicator):
    value = value_submit(value=draft(cast, indicator), actor=Actor(cast.staff_a), channel=API)
    value = value_update(value=value, expected_version=value.version, actor=Actor(cast.staff_a), channel=API,
                         changes={"note": "sửa"})
    assert value.state == ValueState.DRAFT


def test_approved_values_are_locked_until_reopened_with_a_reason(cast, indicator):
    value = value_submit(value=draft(cast, indicator), actor=Actor(cast.staff_a), channel=API)
    value = value_approve(value=value, actor=Actor(cast.reviewer), channel=API)
    with pytest.raises(ServiceError, match="khóa"):
        value_update(value=value, expected_version=value.version, actor=Actor(cast.staff_a), channel=API,
                     changes={"numerator": 1})
    with pytest.raises(ServiceError) as no_reason:
        value_reopen(value=value, reason=" ", actor=Actor(cast.reviewer), channel=API)
    assert no_reason.value.field == "reason"
    value = value_reopen(value=value, reason="Sai số liệu", actor=Actor(cast.reviewer), channel=API)
    assert value.state == ValueState.DRAFT
    assert value.audit_entries.last().reason == "Sai số liệu"


def test_reviewer_cannot_approve_a_value_they_edited(cast, indicator):
    # An administrator may enter data; having done so, they may not approve it.
    value = value_submit(value=draft(cast, indicator, who=cast.admin), actor=Actor(cast.admin), channel=API)
    with pytest.raises(NotAllowed) as refused:
        value_approve(value=value, actor=Actor(cast.admin), channel=API)
    assert refused.value.code == "segregation_of_duties"
    assert IndicatorValue.objects.get(pk=value.pk).state == ValueState.SUBMITTED


def test_database_refuses_an_approval_by_the_creator(cast, indicator):
    value = draft(cast, indicator)
    with pytest.raises(IntegrityError), transaction.atomic():
        IndicatorValue.objects.filter(pk=value.pk).update(state=ValueState.APPROVED, reviewed_by=cast.staff_a)


def test_staff_and_reviewer_limits(cast, indicator):
    with pytest.raises(NotAllowed):
        draft(cast, indicator, who=cast.staff_b)
    with pytest.raises(NotAllowed):
        draft(cast, indicator, who=cast.reviewer)
    value = value_submit(value=draft(cast, indicator), actor=Actor(cast.staff_a), channel=API)
    with pytest.raises(NotAllowed):
        value_approve(value=value, actor=Actor(cast.staff_b), channel=API)


def test_stale_version_is_a_conflict_with_the_current_state(cast, indicator):
    value = draft(cast, indicator)
    stale = value.version
    value_update(value=value, expected_version=stale, actor=Actor(cast.staff_a), channel=API,
                 changes={"numerator": 80})
    with pytest.raises(Conflict) as conflict:
        value_update(value=value, expected_version=stale, actor=Actor(cast.staff_a), channel=API,
                     changes={"numerator": 70})
    assert conflict.value.current["numerator"] == "80.0000"
    assert IndicatorValue.objects.get(pk=value.pk).numerator == 80


@pytest.mark.parametrize("kwargs, field", [
    ({"period": "2023Q1"}, "period"),
    ({"period": "2099"}, "period"),
    ({"period": "20x3"}, "period"),
])
def test_bad_periods_are_rejected(cast, indicator, kwargs, field):
    with pytest.raises(ServiceError) as raised:
        value_create(indicator=indicator, unit=cast.unit_a, numerator=1, denominator=2, actor=Actor(cast.staff_a),
                     channel=API, **kwargs)
    assert raised.value.field == field


def test_indicator_that_does_not_apply_to_the_unit_kind_is_rejected(cast):
    communes_only = IndicatorFactory(unit_kinds=["commune"])
    with pytest.raises(ServiceError) as raised:
        value_create(indicator=communes_only, unit=cast.unit_a, period="2023", value=50,
                     actor=Actor(cast.staff_a), channel=API)
    assert raised.value.field == "unit"


def test_unit_that_did_not_exist_in_the_period_is_rejected(cast, indicator):
    young = UnitFactory(code="A-NEW", parent=cast.unit_a, valid_from=date(2025, 7, 1))
    with pytest.raises(ServiceError, match="không tồn tại"):
        value_create(indicator=indicator, unit=young, period="2023", value=50, actor=Actor(cast.staff_a),
                     channel=API)


def test_required_evidence_blocks_submission_until_attached(cast):
    indicator = IndicatorFactory(evidence_required=True)
    value = draft(cast, indicator)
    with pytest.raises(ServiceError) as raised:
        value_submit(value=value, actor=Actor(cast.staff_a), channel=API)
    assert raised.value.field == "evidence"
    evidence_add(value=value, upload=SimpleUploadedFile("bien-ban.pdf", PDF), actor=Actor(cast.staff_a),
                 channel=API)
    assert value_submit(value=value, actor=Actor(cast.staff_a), channel=API).state == ValueState.SUBMITTED


@pytest.mark.parametrize("name, content, code", [
    ("virus.exe", b"MZ...", "file_type"),
    ("fake.pdf", b"not a pdf", "file_type"),
    ("empty.pdf", b"", "empty"),
])
def test_bad_evidence_files_are_rejected(cast, indicator, name, content, code):
    value = draft(cast, indicator)
    with pytest.raises(ServiceError) as raised:
        evidence_add(value=value, upload=SimpleUploadedFile(name, content), actor=Actor(cast.staff_a), channel=API)
    assert (raised.value.field, raised.value.code) == ("file", code)


def test_too_large_evidence_is_rejected(cast, indicator, settings):
    settings.EVIDENCE_MAX_BYTES = 10
    with pytest.raises(ServiceError) as raised:
        evidence_add(value=draft(cast, indicator), upload=SimpleUploadedFile("a.pdf", PDF),
                     actor=Actor(cast.staff_a), channel=API)
    assert raised.value.code == "too_large"


def test_audit_names_the_api_key_of_a_system(cast, indicator):
    key = cast.system_key
    value = value_create(indicator=indicator, unit=cast.unit_a, period="2023", value=50,
                         actor=Actor(key.service_account, key), channel=API)
    entry = value.audit_entries.get()
    assert entry.api_key == key and entry.actor == key.service_account
    assert entry.after["value"] == "50.0000"
