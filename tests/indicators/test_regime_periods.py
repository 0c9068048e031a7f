"""Periods under the indicator's reporting regime: the days a value covers, its deadline in working days,
overdue and reminders counted in working days, completeness of a half-year, and what reports show."""

import re
from datetime import date
from html import unescape

import pytest
from django.test import Client

from departments.policy import Actor
from indicators.models import AuditChannel, IndicatorValue
from indicators.periods import period_for
from indicators.reminders import deadline_reminders
from indicators.selectors import completeness, staff_tasks
from indicators.services import value_approve, value_create, value_submit
from indicators.workspace import period_label
from regimes.models import Regime
from reports.content import build_content
from tests.factories import FrameworkFactory, IndicatorFactory, TargetFactory, dx_regime

pytestmark = pytest.mark.django_db

API = AuditChannel.API


def dx_indicator(code="DX-M", period_type="month"):
    return IndicatorFactory(code=code, period_type=period_type, framework=FrameworkFactory(regime=dx_regime()))


def test_a_month_value_covers_the_decree_09_window_and_is_due_two_working_days_after(cast):
    indicator = dx_indicator()
    value = value_create(indicator=indicator, unit=cast.unit_a, period="202308", value=1, actor=Actor(cast.staff_a),
                         channel=API)
    assert (value.period_start, value.period_end) == (date(2023, 7, 15), date(2023, 8, 14))
    assert value.due_date == date(2023, 8, 16)


def test_the_first_quarter_starts_on_15_december(cast):
    period = period_for(dx_indicator(code="DX-Q", period_type="quarter"), "2024Q1")
    assert (period.start, period.end) == (date(2023, 12, 15), date(2024, 3, 14))


def test_a_deadline_in_the_tet_break_moves_past_it(cast):
    # 202602 is cut off on Saturday 14 Feb 2026; Tết keeps offices closed to 20 Feb: Mon 23 is day 1, Tue 24 day 2.
    indicator = dx_indicator()
    assert indicator.due_date_for("202602") == date(2026, 2, 24)
    assert indicator.framework.due_date_for("202602") == date(2026, 2, 24)


def test_overdue_is_counted_in_working_days(cast):
    dx_indicator()
    # Monday 21 Aug 2023: 202308 was due Wed 16 Aug; Thu, Fri and Mon are three working days (five calendar days).
    [task] = staff_tasks(actor=Actor(cast.staff_a), today=date(2023, 8, 21))
    assert (task["period"], task["due_date"]) == ("202308", date(2023, 8, 16))
    assert task["overdue"] and task["working_days_late"] == 3
    [on_the_day] = staff_tasks(actor=Actor(cast.staff_a), today=date(2023, 8, 16))
    assert not on_the_day["overdue"]


def test_a_reminder_goes_out_the_regimes_working_days_before_the_deadline(cast):
    dx_indicator()  # the DX regime reminds 3 and 1 working days before; 202308 is due Wed 16 Aug 2023
    assert "sắp đến hạn" in deadline_reminders(today=date(2023, 8, 11))[cast.staff_a.email][0]  # Fri: 3 days
    assert "202308" in deadline_reminders(today=date(2023, 8, 15))[cast.staff_a.email][0]  # Tue: 1 day
    assert deadline_reminders(today=date(2023, 8, 13)) == {}  # Sunday: 3 calendar days, but no working day
    assert deadline_reminders(today=date(2023, 8, 14)) == {}  # Mon: 2 working days
    assert "đã quá hạn" in deadline_reminders(today=date(2023, 8, 17))[cast.staff_a.email][0]


def test_completeness_of_a_half_year_under_the_regime(cast):
    indicator = dx_indicator(code="DX-S", period_type="half_year")
    value = value_create(indicator=indicator, unit=cast.unit_a, period="2024S1", value=1, actor=Actor(cast.staff_a),
                         channel=API)
    value_submit(value=value, actor=Actor(cast.staff_a), channel=API)
    value.refresh_from_db()
    assert (value.period_start, value.period_end, value.due_date) == (
        date(2023, 12, 15), date(2024, 6, 14), date(2024, 6, 18))
    rows = {row["unit"].code: row for row in completeness(period="2024S1")["rows"]}
    assert {k: rows["A"][k] for k in ("expected", "submitted", "late", "missing")} == {
        "expected": 1, "submitted": 1, "late": 1, "missing": 0}
    assert rows["B"]["missing"] == 1


def test_a_value_keeps_its_dates_when_the_framework_changes_regime(cast):
    indicator = dx_indicator()
    old = value_create(indicator=indicator, unit=cast.unit_a, period="202308", value=1, actor=Actor(cast.staff_a),
                       channel=API)
    framework = indicator.framework
    framework.regime = Regime.objects.get(code="thong-ke") if Regime.objects.filter(code="thong-ke").exists() \
        else Regime.objects.create(code="thong-ke", name="Thống kê", legal_basis="Luật Thống kê",
                                   frequencies=["month"], window_kind="calendar", deadline_kind="fixed_day",
                                   deadline_day=12)
    framework.save()
    indicator.refresh_from_db()
    new = value_create(indicator=indicator, unit=cast.unit_a, period="202309", value=1, actor=Actor(cast.staff_a),
                       channel=API)
    old.refresh_from_db()
    assert (old.period_start, old.period_end, old.due_date) == (date(2023, 7, 15), date(2023, 8, 14),
                                                                date(2023, 8, 16))
    assert (new.period_start, new.period_end, new.due_date) == (date(2023, 9, 1), date(2023, 9, 30),
                                                                date(2023, 10, 12))


def test_an_indicator_period_type_must_be_one_of_its_regimes_frequencies(cast):
    from django.core.exceptions import ValidationError

    regime = Regime.objects.create(code="chi-nam", name="Chỉ báo cáo năm", legal_basis="x", frequencies=["year"],
                                   window_kind="calendar", deadline_kind="working_days", deadline_working_days=5)
    indicator = IndicatorFactory.build(framework=FrameworkFactory(regime=regime), pillar=None, period_type="month")
    with pytest.raises(ValidationError) as refused:
        indicator.clean()
    assert "period_type" in refused.value.message_dict
    assert IndicatorValue.objects.count() == 0


# --- what reports and the dashboard say about a period ----------------------------------------------


def test_the_report_content_names_the_periods_dates_deadline_and_regime(cast):
    dx_indicator()
    [rule] = build_content(period="202308")["period_rules"]
    assert (rule["start"], rule["end"], rule["deadline"]) == ("2023-07-15", "2023-08-14", "2023-08-16")
    assert rule["regime"] == "bao-cao-cds-tinh" and rule["regime_name"] == dx_regime().name
    assert "Nghị định 09/2019/NĐ-CP" in rule["legal_basis"]


def test_the_dashboard_shows_the_periods_dates_deadline_and_regime(cast):
    dx_indicator()
    client = Client()
    client.force_login(cast.reviewer, backend="django.contrib.auth.backends.ModelBackend")
    page = unescape(re.sub(r"<[^>]+>", "", client.get("/dashboard/", {"period": "202308"}).content.decode()))
    # The period by its name, as the period list names it, never by its code.
    shown = f"{period_label('202308')}: 15/07/2023 – 14/08/2023, hạn gửi 16/08/2023 · {dx_regime().name}"
    assert shown in " ".join(page.split()) and "Kỳ 202308" not in page


def test_the_dashboard_links_a_gap_to_its_indicator_whatever_the_code_holds(cast):
    # Codes are free text: one with a colon was cut at the colon when the dashboard split the gap's detail.
    indicator = IndicatorFactory(code="CDS:1.2", framework=FrameworkFactory(regime=dx_regime()))
    TargetFactory(indicator=indicator, year=2023, value=80)
    value = value_create(indicator=indicator, unit=cast.unit_a, period="2023", numerator=10, denominator=100,
                         actor=Actor(cast.admin), channel=API)
    value = value_submit(value=value, actor=Actor(cast.admin), channel=API)
    value_approve(value=value, actor=Actor(cast.reviewer), channel=API)
    client = Client()
    client.force_login(cast.reviewer, backend="django.contrib.auth.backends.ModelBackend")
    data = client.get("/dashboard/", {"period": "2023"}).context["data"]
    [gap] = [gap for gap in data["gaps"] if gap["unit"] == "A"]
    assert f"indicator__id__exact={indicator.pk}" in gap["url"]
    assert [row["status"] for row in data["indicators"] if row["code"] == "CDS:1.2"] == ["off_track"]


# --- the demo ----------------------------------------------------------------------------------------


def test_the_demo_seeds_the_dti_405_framework_led_by_the_department_of_science_and_technology(tmp_path):
    from django.test import override_settings

    from departments import demo as departments_demo
    from indicators.demo import seed_indicators
    from indicators.models import Framework, Target

    with override_settings(VAR_DIR=tmp_path):
        units = departments_demo.seed_organisation()
        users = departments_demo.seed_accounts(units, password="pw-for-tests")
        seed_indicators(units, users)
        seed_indicators(units, users)  # a second run changes nothing
    dti = Framework.objects.get(code="dti-2024")
    assert dti.decision == "Quyết định 405/QĐ-BKHCN" and dti.regime.code == "bao-cao-cds-tinh"
    assert sorted(dti.pillars.values_list("code", flat=True)) == ["chinh-quyen-so", "kinh-te-so", "xa-hoi-so"]
    main = dti.indicators.all()
    assert main.count() == 8 and sum(indicator.max_points for indicator in main) == 1000
    assert Framework.objects.filter(code="dti-2022", decision="Quyết định 922/QĐ-BTTTT").exists()
    assert set(Target.objects.filter(indicator__framework=dti).values_list("decision", flat=True)) == {
        "Quyết định 405/QĐ-BKHCN"}
    lead = units["T37-SKHCN"]
    assert IndicatorValue.objects.filter(indicator__framework=dti, unit=lead, period="2025").count() == 2
    tasks = staff_tasks(actor=Actor(users["demo-staff-a"]), today=date(2026, 1, 5))
    assert {task["unit"].code for task in tasks if task["indicator"].framework_id == dti.pk} == {"T37-SKHCN"}


def test_a_framework_cannot_move_to_a_regime_without_its_indicators_period_type(cast):
    from indicators.catalogue import framework_save
    from kernel.errors import ServiceError

    indicator = dx_indicator()  # monthly
    yearly = Regime.objects.create(code="chi-nam", name="Chỉ báo cáo năm", legal_basis="x", frequencies=["year"],
                                   window_kind="calendar", deadline_kind="working_days", deadline_working_days=5)
    framework = indicator.framework
    framework.regime = yearly
    with pytest.raises(ServiceError) as refused:
        framework_save(framework=framework, actor=Actor(cast.admin))
    assert refused.value.field == "regime"
