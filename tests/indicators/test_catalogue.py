"""The indicator catalogue is written only through `indicators.catalogue`, whichever door a change comes in by."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from departments.models import UnitKind
from departments.policy import Actor
from indicators import catalogue
from indicators.api import views as api_views
from indicators.models import Framework, Indicator, Pillar, Target
from indicators.scoring import points_of
from indicators.selectors import progress
from indicators.services import value_approve, value_create, value_submit
from kernel.errors import NotAllowed, ServiceError
from tests.factories import (
    FrameworkFactory,
    IndicatorFactory,
    PillarFactory,
    RegimeFactory,
    TargetFactory,
    UnitFactory,
)

pytestmark = pytest.mark.django_db

BACKEND = "django.contrib.auth.backends.ModelBackend"
TARGETS = "/admin/indicators/target/"
INDICATORS = "/admin/indicators/indicator/"


def admin_client(user):
    client = Client()
    client.force_login(user, backend=BACKEND)
    return client


def form_errors(response):
    """Return {field: [messages]} of the admin change form in the response (an empty dict if it saved)."""
    if response.status_code == 302:
        return {}
    return {field: list(messages) for field, messages in response.context["adminform"].form.errors.items()}


@pytest.fixture
def fibre():
    """A percentage reported by departments."""
    return IndicatorFactory(code="FIBRE", value_type="percent", unit_kinds=["department"])


def approved(indicator, cast, *, value):
    entry = value_create(indicator=indicator, unit=cast.unit_a, period="2023", value=value,
                         actor=Actor(cast.staff_a), channel="api")
    entry = value_submit(value=entry, actor=Actor(cast.staff_a), channel="api")
    return value_approve(value=entry, actor=Actor(cast.reviewer), channel="api")


def target_form(indicator, **changes):
    return {"indicator": indicator.pk, "year": 2025, "unit": "", "value": "80", "decision": "QĐ 749", "note": "",
            **changes}


def indicator_form(indicator, **changes):
    """The indicator admin's form for `indicator` as it stands, with `changes`."""
    data = {
        "framework": indicator.framework_id, "pillar": indicator.pillar_id or "", "code": indicator.code,
        "name": indicator.name, "name_en": "", "definition": "", "definition_en": "", "unit_of_measure": "",
        "value_type": indicator.value_type, "direction": indicator.direction, "period_type": indicator.period_type,
        "unit_kinds": list(indicator.unit_kinds), "aggregation": indicator.aggregation,
        "max_points": str(indicator.max_points), "scoring_rule": indicator.scoring_rule,
        "scoring_tiers": "[]", "source": indicator.source, "deadline_days": "", "baseline_year": "",
        "baseline_value": "", "is_active": "on",
    }
    return {**data, **changes}


# --- targets -------------------------------------------------------------------------------------


def test_target_admin_refuses_a_percentage_above_100(cast, fibre):
    response = admin_client(cast.admin).post(f"{TARGETS}add/", target_form(fibre, value="150"))
    assert response.status_code == 200
    assert form_errors(response) == {"value": ["Tỷ lệ phần trăm phải nằm trong khoảng 0–100."]}
    assert not Target.objects.exists()


def test_target_admin_refuses_a_unit_kind_the_indicator_does_not_apply_to(cast, fibre):
    commune = UnitFactory(code="X1", kind=UnitKind.COMMUNE, parent=cast.province)
    response = admin_client(cast.admin).post(f"{TARGETS}add/", target_form(fibre, unit=commune.pk))
    assert form_errors(response) == {"unit": ["Chỉ tiêu này không áp dụng cho loại đơn vị này."]}
    assert not Target.objects.exists()


def test_target_admin_edit_is_checked_by_the_service_and_nothing_changes(cast, fibre):
    target = TargetFactory(indicator=fibre, value=80)
    response = admin_client(cast.admin).post(f"{TARGETS}{target.pk}/change/", target_form(fibre, value="101"))
    assert list(form_errors(response)) == ["value"]
    assert Target.objects.get(pk=target.pk).value == 80


def test_target_admin_saves_a_valid_target(cast, fibre):
    response = admin_client(cast.admin).post(f"{TARGETS}add/", target_form(fibre, value="85.5", unit=cast.unit_a.pk))
    assert response.status_code == 302, form_errors(response)
    assert Target.objects.get().value == Decimal("85.5")


def test_target_admin_duplicate_is_a_form_error_not_a_500(cast, fibre):
    TargetFactory(indicator=fibre, year=2025, decision="QĐ 749")
    response = admin_client(cast.admin).post(f"{TARGETS}add/", target_form(fibre))
    assert response.status_code == 200 and form_errors(response)
    assert Target.objects.count() == 1


def test_api_writes_targets_through_the_catalogue_service():
    # One service for every door: the API view calls exactly the functions the admin's service does.
    assert api_views.target_create is catalogue.target_create
    assert api_views.target_update is catalogue.target_update
    assert api_views.target_delete is catalogue.target_delete


def test_target_service_refuses_people_who_are_not_administrators(cast, fibre):
    with pytest.raises(NotAllowed):
        catalogue.target_create(actor=Actor(cast.staff_a), indicator=fibre, year=2025, value=80, decision="QĐ")


# --- indicators: the scoring rule and its tiers --------------------------------------------------------


def test_indicator_admin_refuses_malformed_tiers_that_would_crash_progress(cast):
    tiered = IndicatorFactory(code="MEETINGS", value_type="tier", scoring_rule="tiers", max_points=20,
                              scoring_tiers=[[2, 10]])
    response = admin_client(cast.admin).post(f"{INDICATORS}{tiered.pk}/change/",
                                             indicator_form(tiered, scoring_tiers="[[4]]"))
    assert list(form_errors(response)) == ["scoring_tiers"]
    tiered.refresh_from_db()
    assert tiered.scoring_tiers == [[2, 10]]
    approved(tiered, cast, value=3)
    rows = progress(period="2023")  # what the dashboard, the reports and the public page read
    points = [row["points"] for row in rows["rows"] if (row["indicator"], row["unit"]) == (tiered, cast.unit_a)]
    assert points == [Decimal("10.00")]


def test_indicator_admin_saves_well_formed_tiers(cast):
    tiered = IndicatorFactory(code="MEETINGS", value_type="tier", scoring_rule="tiers", max_points=20,
                              scoring_tiers=[[2, 10]])
    response = admin_client(cast.admin).post(f"{INDICATORS}{tiered.pk}/change/",
                                             indicator_form(tiered, scoring_tiers="[[4, 20], [3, 15], [1, 5]]"))
    assert response.status_code == 302, form_errors(response)
    tiered.refresh_from_db()
    assert tiered.scoring_tiers == [[4, 20], [3, 15], [1, 5]]


@pytest.mark.parametrize("tiers", [
    [[4]],  # not a pair
    [4, 20],  # not a list of pairs
    [[4, 20, 1]],
    [["bốn", 20]],  # not numbers
    [[4, True]],
    [[1, 5], [4, 20]],  # thresholds not from highest to lowest
    [[4, 20], [4, 15]],  # the same threshold twice
    [[4, 25]],  # more points than the indicator's maximum
    [[4, -1]],
    [],  # tiers without any tier
    {"4": 20},
])
def test_tier_scoring_parameters_of_the_wrong_shape_are_refused(cast, tiers):
    indicator = IndicatorFactory.build(framework=FrameworkFactory(), pillar=None, value_type="tier",
                                       scoring_rule="tiers", max_points=20, scoring_tiers=tiers)
    with pytest.raises(ServiceError) as refused:
        catalogue.indicator_save(indicator=indicator, actor=Actor(cast.admin))
    assert refused.value.field == "scoring_tiers"
    assert not Indicator.objects.filter(code=indicator.code).exists()


def test_other_rules_take_no_tiers(cast):
    indicator = IndicatorFactory.build(framework=FrameworkFactory(), pillar=None, scoring_rule="ratio",
                                       scoring_tiers=[[4, 5]])
    with pytest.raises(ServiceError) as refused:
        catalogue.indicator_save(indicator=indicator, actor=Actor(cast.admin))
    assert refused.value.field == "scoring_tiers"


def test_unknown_scoring_rule_is_refused_in_validation(cast):
    indicator = IndicatorFactory.build(framework=FrameworkFactory(), pillar=None, scoring_rule="bonus")
    with pytest.raises(ServiceError) as refused:
        catalogue.indicator_save(indicator=indicator, actor=Actor(cast.admin))
    assert refused.value.field == "scoring_rule"


def test_the_database_cannot_hold_an_unknown_scoring_rule():
    indicator = IndicatorFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Indicator.objects.filter(pk=indicator.pk).update(scoring_rule="bonus")


def test_scoring_an_unknown_rule_raises_instead_of_scoring_as_tiers():
    indicator = IndicatorFactory.build(scoring_rule="bonus", max_points=10, scoring_tiers=[[0, 10]])
    with pytest.raises(ValueError):
        points_of(indicator, Decimal(5), None)


def test_indicator_admin_refuses_a_pillar_of_another_framework(cast, fibre):
    other = PillarFactory()
    response = admin_client(cast.admin).post(f"{INDICATORS}{fibre.pk}/change/", indicator_form(fibre, pillar=other.pk))
    assert list(form_errors(response)) == ["pillar"]


def test_deleting_an_indicator_with_values_is_refused(cast, fibre):
    value_create(indicator=fibre, unit=cast.unit_a, period="2023", value=50, actor=Actor(cast.staff_a), channel="api")
    with pytest.raises(ServiceError):
        catalogue.indicator_delete(indicator=fibre, actor=Actor(cast.admin))
    assert Indicator.objects.filter(pk=fibre.pk).exists()


def test_bulk_delete_of_targets_goes_through_the_service(cast, fibre):
    targets = [TargetFactory(indicator=fibre, year=year) for year in (2025, 2030)]
    response = admin_client(cast.admin).post(TARGETS, {
        "action": "delete_selected", "_selected_action": [t.pk for t in targets], "post": "yes"})
    assert response.status_code == 302
    assert not Target.objects.exists()


# --- frameworks and pillars ----------------------------------------------------------------------


def test_framework_admin_refuses_an_end_before_the_start(cast):
    response = admin_client(cast.admin).post("/admin/indicators/framework/add/", {
        "code": "dti-2030", "name": "DTI 2030", "name_en": "", "version": "", "decision": "",
        "valid_from": "01/01/2030", "valid_to": "01/01/2029", "deadline_days": "15",
        "regime": str(RegimeFactory().pk),  # a framework names its reporting regime (issue 11)
        "pillars-TOTAL_FORMS": "0", "pillars-INITIAL_FORMS": "0"})
    assert list(form_errors(response)) == ["valid_to"]
    assert not Framework.objects.filter(code="dti-2030").exists()


def test_framework_admin_saves_its_pillars_through_the_service(cast):
    response = admin_client(cast.admin).post("/admin/indicators/framework/add/", {
        "code": "dti-2030", "name": "DTI 2030", "name_en": "", "version": "", "decision": "",
        "valid_from": "", "valid_to": "", "deadline_days": "15",
        "regime": str(RegimeFactory().pk),  # a framework names its reporting regime (issue 11)
        "pillars-TOTAL_FORMS": "1", "pillars-INITIAL_FORMS": "0",
        "pillars-0-order": "1", "pillars-0-code": "nen-tang", "pillars-0-name": "Nền tảng", "pillars-0-name_en": ""})
    assert response.status_code == 302, form_errors(response)
    assert list(Pillar.objects.filter(framework__code="dti-2030").values_list("code", flat=True)) == ["nen-tang"]


def test_catalogue_services_refuse_staff(cast):
    with pytest.raises(NotAllowed):
        catalogue.framework_save(framework=Framework(code="x", name="X"), actor=Actor(cast.staff_a))
    with pytest.raises(NotAllowed):
        catalogue.indicator_save(indicator=IndicatorFactory.build(framework=FrameworkFactory(), pillar=None),
                                 actor=Actor(cast.staff_a))
