"""What a reviewer approves is what the unit sent, and only the people involved see how it got there.

- Evidence is part of what is reviewed: changing it on a submitted value sends the value back to draft
  (a new version), on an approved value it is refused; approval refuses an evidence-required value
  that has none, on every path.
- Only the value's own unit (its staff and keys), reviewers and administrators comment on a value or
  read its review trail (history, comments); other units see the approved figure only.
"""

import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client

from departments.models import Role
from departments.policy import Actor
from indicators.models import AuditChannel, Comment, Evidence, IndicatorValue, ValueState
from indicators.services import (
    comment_add,
    evidence_add,
    evidence_remove,
    value_approve,
    value_create,
    value_return,
    value_submit,
    value_update,
)
from kernel.errors import NotAllowed, ServiceError
from tests.factories import IndicatorFactory, UserFactory, make_api_key

pytestmark = pytest.mark.django_db
VALUES = "/api/v1/indicator-values/"
ADMIN_VALUES = "/admin/indicators/indicatorvalue/"
PDF = b"%PDF-1.4 bien ban kiem tra"
API = AuditChannel.API
BACKEND = "django.contrib.auth.backends.ModelBackend"


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def proof_needed():
    return IndicatorFactory(code="PROOF", unit_kinds=["department"], evidence_required=True)


def url(value, tail=""):
    return f"{VALUES}{value.pk}/{tail}"


def fresh(value):
    return IndicatorValue.objects.get(pk=value.pk)


def pdf(name="bien-ban.pdf"):
    return SimpleUploadedFile(name, PDF)


def submitted_with_evidence(cast, indicator, period="2023"):
    value = value_create(indicator=indicator, unit=cast.unit_a, period=period, numerator=90, denominator=100,
                         actor=Actor(cast.staff_a), channel=API)
    evidence = evidence_add(value=value, upload=pdf(), actor=Actor(cast.staff_a), channel=API)
    return value_submit(value=value, actor=Actor(cast.staff_a), channel=API), evidence


def submitted_without_evidence(cast, period="2023"):
    """A value submitted before its indicator came to require evidence (the catalogue changed since)."""
    indicator = IndicatorFactory(unit_kinds=["department"])
    value = value_create(indicator=indicator, unit=cast.unit_a, period=period, numerator=90, denominator=100,
                         actor=Actor(cast.staff_a), channel=API)
    value = value_submit(value=value, actor=Actor(cast.staff_a), channel=API)
    indicator.evidence_required = True
    indicator.save(update_fields=["evidence_required"])
    return value


def admin_client(user):
    client = Client()
    client.force_login(user, backend=BACKEND)
    return client


def api_client_with_key(client_as, cast, units, name):
    _key, secret = make_api_key(units=units, name=name)
    client = client_as("anonymous")
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    return client


def staff_without_unit():
    return UserFactory(username="staff_nowhere", role=Role.STAFF, units=[])


# --- finding 4: evidence is part of what is reviewed ------------------------------------------------


def test_deleting_evidence_of_a_submitted_value_sends_it_back_to_draft(cast, client_as, proof_needed):
    value, evidence = submitted_with_evidence(cast, proof_needed)
    response = client_as("staff_a").delete(url(value, f"evidence/{evidence.pk}/"))
    assert response.status_code == 204
    after = fresh(value)
    assert (after.state, after.version) == (ValueState.DRAFT, value.version + 1)
    entry = after.audit_entries.get(action="evidence_remove")
    assert (entry.before["state"], entry.after["state"]) == ("submitted", "draft")
    approve = client_as("reviewer").post(url(value, "approve/"), {}, format="json")
    assert approve.status_code == 400 and approve.json()["code"] == "invalid_state"
    assert fresh(value).state == ValueState.DRAFT


def test_adding_evidence_to_a_submitted_value_sends_it_back_to_draft(cast, client_as, proof_needed):
    value, _evidence = submitted_with_evidence(cast, proof_needed)
    response = client_as("staff_a").post(url(value, "evidence/"), {"file": pdf("them.pdf")}, format="multipart")
    assert response.status_code == 201
    after = fresh(value)
    assert (after.state, after.version) == (ValueState.DRAFT, value.version + 1)
    # The reviewer's approval of what they saw (the old version) is stale now.
    stale = client_as("reviewer").post(url(value, "approve/"), {"version": value.version}, format="json")
    assert stale.status_code == 409


def test_evidence_of_an_approved_value_can_be_neither_added_nor_removed(cast, client_as, proof_needed):
    value, evidence = submitted_with_evidence(cast, proof_needed)
    value = value_approve(value=value, actor=Actor(cast.reviewer), channel=API)
    staff = client_as("staff_a")
    removed = staff.delete(url(value, f"evidence/{evidence.pk}/"))
    added = staff.post(url(value, "evidence/"), {"file": pdf()}, format="multipart")
    for response in (removed, added):
        assert response.status_code == 400 and response.json()["code"] == "locked"
        assert response.json()["message_en"] and response.json()["message"] != response.json()["message_en"]
    assert Evidence.objects.filter(value=value).count() == 1 and fresh(value).version == value.version


def test_admin_removing_evidence_of_a_submitted_value_sends_it_back_to_draft(cast, proof_needed):
    value, evidence = submitted_with_evidence(cast, proof_needed)
    data = {"numerator": "90", "denominator": "100", "value": "90", "note": "", "expected_version": value.version,
            "evidence_upload-TOTAL_FORMS": "1", "evidence_upload-INITIAL_FORMS": "0",
            "evidence_upload-MIN_NUM_FORMS": "0", "evidence_upload-MAX_NUM_FORMS": "1000",
            "evidence-TOTAL_FORMS": "1", "evidence-INITIAL_FORMS": "1", "evidence-MIN_NUM_FORMS": "0",
            "evidence-MAX_NUM_FORMS": "1000", "evidence-0-id": evidence.pk, "evidence-0-value": value.pk,
            "evidence-0-DELETE": "on"}
    response = admin_client(cast.staff_a).post(f"{ADMIN_VALUES}{value.pk}/change/", data)
    assert response.status_code == 302
    assert not Evidence.objects.filter(value=value).exists()
    assert fresh(value).state == ValueState.DRAFT


def test_service_approval_refuses_an_evidence_required_value_without_evidence(cast):
    value = submitted_without_evidence(cast)
    with pytest.raises(ServiceError) as refused:
        value_approve(value=value, actor=Actor(cast.reviewer), channel=API)
    assert refused.value.field == "evidence" and refused.value.code == "evidence_missing"
    assert fresh(value).state == ValueState.SUBMITTED


def test_api_approval_refuses_an_evidence_required_value_without_evidence(cast, client_as):
    value = submitted_without_evidence(cast)
    response = client_as("reviewer").post(url(value, "approve/"), {}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "evidence_missing" and [e["field"] for e in body["errors"]] == ["evidence"]
    assert body["message"] != body["message_en"]
    assert fresh(value).state == ValueState.SUBMITTED


def test_admin_approval_refuses_an_evidence_required_value_without_evidence(cast):
    value = submitted_without_evidence(cast)
    reviewer = admin_client(cast.reviewer)
    reviewer.post(f"{ADMIN_VALUES}{value.pk}/workflow/approve/", {"expected_version": value.version})
    assert fresh(value).state == ValueState.SUBMITTED


def test_bulk_approval_refuses_only_the_value_without_its_evidence(cast, proof_needed):
    missing = submitted_without_evidence(cast, period="2022")
    complete, _evidence = submitted_with_evidence(cast, proof_needed, period="2023")
    admin_client(cast.reviewer).post(ADMIN_VALUES, {
        "action": "approve_selected", "_selected_action": [missing.pk, complete.pk], "index": 0})
    assert fresh(missing).state == ValueState.SUBMITTED
    assert fresh(complete).state == ValueState.APPROVED


def run_together(*jobs):
    """Run each job in its own thread and database connection, all released at once; return what each did."""
    start = threading.Barrier(len(jobs))
    outcomes = [None] * len(jobs)

    def run(index):
        start.wait()
        try:
            jobs[index]()
            outcomes[index] = "done"
        except ServiceError as error:
            outcomes[index] = error.code
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor == "sqlite", reason="needs concurrent writers (PostgreSQL)")
def test_approval_racing_evidence_removal_lets_exactly_one_win(cast):
    """An approval and a removal of the only evidence, at the same moment: one wins, the other is refused."""
    for round_number in range(8):
        indicator = IndicatorFactory(unit_kinds=["department"], evidence_required=True)
        value, evidence = submitted_with_evidence(cast, indicator)
        approve, remove = run_together(
            lambda value=value: value_approve(value=value, actor=Actor(cast.reviewer), channel=API),
            lambda evidence=evidence: evidence_remove(evidence=Evidence.objects.get(pk=evidence.pk),
                                                      actor=Actor(cast.staff_a), channel=API),
        )
        after, has_evidence = fresh(value), Evidence.objects.filter(value=value).exists()
        if approve == "done":
            assert (remove, after.state, has_evidence) == ("locked", ValueState.APPROVED, True), round_number
        else:
            assert (approve, remove) == ("invalid_state", "done"), round_number
            assert (after.state, has_evidence) == (ValueState.DRAFT, False), round_number


# --- finding 10: who may comment --------------------------------------------------------------------


def approved_of_a(cast, indicator=None):
    indicator = indicator or IndicatorFactory(unit_kinds=["department"])
    value = value_create(indicator=indicator, unit=cast.unit_a, period="2023", numerator=80, denominator=100,
                         actor=Actor(cast.staff_a), channel=API)
    value = value_submit(value=value, actor=Actor(cast.staff_a), channel=API)
    value = value_return(value=value, reason="Số hộ chưa khớp Cục Thống kê", actor=Actor(cast.reviewer), channel=API)
    value = value_update(value=value, expected_version=value.version, actor=Actor(cast.staff_a), channel=API,
                         changes={"numerator": 90})
    comment_add(value=value, text="Đã đối chiếu lại với Cục Thống kê", actor=Actor(cast.staff_a), channel=API)
    value = value_submit(value=value, actor=Actor(cast.staff_a), channel=API)
    return value_approve(value=value, actor=Actor(cast.reviewer), channel=API)


def test_only_the_values_unit_reviewers_and_admins_may_comment_through_the_api(cast, client_as):
    value = approved_of_a(cast)
    nowhere = client_as("anonymous")
    nowhere.force_login(staff_without_unit(), backend=BACKEND)
    outsiders = {
        "staff_b": client_as("staff_b"),
        "key_of_b": api_client_with_key(client_as, cast, [cast.unit_b], "system-b"),
        "staff_without_unit": nowhere,
    }
    for who, client in outsiders.items():
        response = client.post(url(value, "comments/"), {"text": "Tôi cũng góp ý"}, format="json")
        assert response.status_code == 403, who
        assert response.json()["message_en"] and response.json()["message"] != response.json()["message_en"]
    assert not Comment.objects.filter(text="Tôi cũng góp ý").exists()
    for role in ("staff_a", "system", "reviewer", "admin"):
        response = client_as(role).post(url(value, "comments/"), {"text": f"Ý kiến của {role}"}, format="json")
        assert response.status_code == 201, role


def test_comment_service_asks_the_policy(cast):
    value = approved_of_a(cast)
    with pytest.raises(NotAllowed):
        comment_add(value=value, text="?", actor=Actor(cast.staff_b), channel=AuditChannel.ADMIN)
    assert comment_add(value=value, text="?", actor=Actor(cast.reviewer), channel=AuditChannel.ADMIN).pk


# --- finding 11: the review trail is the involved people's ------------------------------------------


def test_other_units_do_not_read_the_review_trail_of_an_approved_value(cast, client_as):
    value = approved_of_a(cast)
    nowhere = client_as("anonymous")
    nowhere.force_login(staff_without_unit(), backend=BACKEND)
    outsiders = {
        "staff_b": client_as("staff_b"),
        "key_of_b": api_client_with_key(client_as, cast, [cast.unit_b], "system-b"),
        "staff_without_unit": nowhere,
    }
    for who, client in outsiders.items():
        assert client.get(url(value)).json()["value"] == 90, who  # the approved figure, yes
        for tail in ("history/", "comments/"):
            response = client.get(url(value, tail))
            assert response.status_code == 403, (who, tail)
            assert "Số hộ chưa khớp" not in response.content.decode()
        detail = client.get(url(value)).json()
        assert detail["comment_count"] is None and detail["return_reason"] == ""
    for role in ("staff_a", "system", "reviewer", "admin"):
        history = client_as(role).get(url(value, "history/"))
        assert history.status_code == 200, role
        assert "Số hộ chưa khớp Cục Thống kê" in [entry["reason"] for entry in history.json()["results"]]
        assert client_as(role).get(url(value, "comments/")).json()["count"] == 1
        assert client_as(role).get(url(value)).json()["comment_count"] == 1


def test_admin_value_page_hides_the_review_trail_from_other_units(cast):
    value = approved_of_a(cast)
    page = admin_client(cast.staff_b).get(f"{ADMIN_VALUES}{value.pk}/change/")
    assert page.status_code == 200
    content = page.content.decode()
    assert "Số hộ chưa khớp" not in content and "Đã đối chiếu lại" not in content
    assert not page.context["audit_rows"] and not page.context["comments"]
    own = admin_client(cast.staff_a).get(f"{ADMIN_VALUES}{value.pk}/change/").content.decode()
    assert "Số hộ chưa khớp" in own and "Đã đối chiếu lại" in own
