"""Online service levels under dated schemes: Decree 43/2011, 42/2022 and 224/2026 (issue 11, item 5)."""

from datetime import date

import pytest
from django.contrib import admin as django_admin
from django.test import RequestFactory

from procedures.admin import ProcedureAdmin
from procedures.models import LevelScheme, Procedure, ProcedureChange, ProcedureLevelPeriod
from procedures.selectors import coverage
from tests.factories import ProcedureFieldFactory

pytestmark = pytest.mark.django_db
CATALOGUE = "/api/v1/procedures/"
COVERAGE = "/api/v1/procedures/coverage/"
REASON = "Luật Hộ tịch 2014, Điều 18: người yêu cầu phải có mặt khi đăng ký."


def body(code, **changes):
    field = ProcedureFieldFactory()
    return {"code": code, "name": "Cấp giấy phép", "field": field.code, "levels": ["province"], "department": "A",
            "online_level": "none", "active_from": "2020-01-01", **changes}


def history(admin):
    """Three procedures with levels under all three schemes (one never re-recorded under 224/2026)."""
    assert admin.post(CATALOGUE, body("1.000001.H42", online_level="partial", legacy_level=4),
                      format="json").status_code == 201
    assert admin.post(CATALOGUE, body("1.000002.H42", online_level="partial", legacy_level=3),
                      format="json").status_code == 201
    assert admin.post(CATALOGUE, body("1.000003.H42", legacy_level=2), format="json").status_code == 201
    steps = [
        ("1.000001.H42", {"online_level": "full", "level_changed_on": "2022-08-15"}),
        ("1.000002.H42", {"level_scheme": "42/2022", "level_changed_on": "2022-08-15"}),
        ("1.000003.H42", {"level_scheme": "42/2022", "level_changed_on": "2022-08-15"}),
        ("1.000001.H42", {"level_scheme": "224/2026", "proactive_level": 2, "level_changed_on": "2026-07-01"}),
        ("1.000002.H42", {"level_scheme": "224/2026", "partial_reason": REASON, "level_changed_on": "2026-07-01"}),
    ]
    for code, change in steps:
        response = admin.patch(f"{CATALOGUE}{code}/", change, format="json")
        assert response.status_code == 200, response.json()


def test_schemes_are_dated_data_with_their_legal_basis():
    schemes = list(LevelScheme.objects.values_list("code", "valid_from", "valid_to"))
    assert schemes == [("43/2011", date(2011, 6, 13), date(2022, 8, 14)),
                       ("42/2022", date(2022, 8, 15), date(2026, 6, 30)),
                       ("224/2026", date(2026, 7, 1), None)]
    assert all(scheme.legal_basis.startswith("Nghị định") for scheme in LevelScheme.objects.all())
    assert LevelScheme.on(date(2026, 12, 1)).levels["reason_required_for"] == ["partial"]


def test_coverage_on_each_date_is_computed_under_that_dates_scheme(cast, client_as):
    history(client_as("admin"))
    schemes = list(ProcedureLevelPeriod.objects.filter(procedure__code="1.000002.H42").order_by("valid_from")
                   .values_list("scheme__code", flat=True))
    assert schemes == ["43/2011", "42/2022", "224/2026"]

    reader = client_as("staff_b")
    in_2022 = reader.get(COVERAGE, {"on": "2022-01-01"}).json()
    assert in_2022["scheme"]["code"] == "43/2011" and "43/2011" in in_2022["scheme"]["name"]
    figures = in_2022["rows"][0]["by_scheme"]
    assert (figures["level_3_4"], figures["level_4"], figures["carried_over"]) == (2, 1, 0)
    assert (str(figures["level_3_4_share"]), str(figures["level_4_share"])) == ("66.67", "33.33")

    in_2024 = reader.get(COVERAGE, {"on": "2024-01-01"}).json()
    assert in_2024["scheme"]["code"] == "42/2022"
    row = in_2024["rows"][0]
    assert (row["procedures"], row["online"], row["full_online"], row["by_scheme"]) == (3, 2, 1, {"carried_over": 0})

    in_2026 = reader.get(COVERAGE, {"on": "2026-12-01"}).json()
    assert in_2026["scheme"]["code"] == "224/2026"
    row = in_2026["rows"][0]
    assert (row["full_online"], row["online"]) == (1, 2)
    assert row["by_scheme"] == {"carried_over": 1, "partial_with_reason": 1,
                                "proactive": {"1": 0, "2": 1, "3": 0, "4": 0}}
    by_department = coverage(on=date(2026, 12, 1), group_by="department")
    assert by_department[0]["scheme"]["code"] == "224/2026"


def snapshot():
    return (list(ProcedureLevelPeriod.objects.order_by("pk").values_list()),
            list(Procedure.objects.order_by("pk").values_list()), ProcedureChange.objects.count())


@pytest.mark.parametrize("change, field", [
    ({"level_scheme": "43/2011", "online_level": "full", "level_changed_on": "2024-01-01"}, "level_scheme"),
    ({"level_scheme": "224/2026", "online_level": "full", "level_changed_on": "2024-01-01"}, "level_scheme"),
    ({"level_scheme": "99/2030", "online_level": "full", "level_changed_on": "2024-01-01"}, "level_scheme"),
    ({"proactive_level": 3, "online_level": "full", "level_changed_on": "2024-01-01"}, "proactive_level"),
    ({"online_level": "partial", "level_changed_on": "2026-07-01"}, "partial_reason"),
    ({"online_level": "partial", "partial_reason": "   ", "level_changed_on": "2026-08-01"}, "partial_reason"),
])
def test_each_bad_level_is_refused_with_its_field_and_nothing_is_written(cast, client_as, change, field):
    admin = client_as("admin")
    assert admin.post(CATALOGUE, body("1.000001.H42"), format="json").status_code == 201
    before = snapshot()
    response = admin.patch(f"{CATALOGUE}1.000001.H42/", change, format="json")
    assert response.status_code == 400, response.json()
    error = response.json()["errors"][0]
    assert error["field"] == field and error["message"] and error["message_en"] != error["message"]
    assert snapshot() == before


def test_partial_under_decree_224_without_reason_is_a_form_error_in_the_admin(cast, client_as):
    admin = client_as("admin")
    assert admin.post(CATALOGUE, body("1.000001.H42"), format="json").status_code == 201
    procedure = Procedure.objects.get()
    model_admin = ProcedureAdmin(Procedure, django_admin.site)
    request = RequestFactory().get("/")
    request.user = cast.admin
    form_class = model_admin.get_form(request, procedure)
    data = {name: getattr(procedure, name) for name in ("code", "name", "processing_time", "fee", "legal_basis",
                                                         "publication_decision", "active_from")}
    data.update(field=procedure.field_id, department=procedure.department_id, at_province="on",
                online_level="partial", level_changed_on="2026-07-01")
    form = form_class(data=data, instance=procedure)
    assert not form.is_valid()
    assert "partial_reason" in form.errors
    form = form_class(data={**data, "partial_reason": REASON}, instance=procedure)
    assert form.is_valid(), form.errors
