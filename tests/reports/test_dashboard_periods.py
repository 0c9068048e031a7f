"""Honest periods on the dashboard and the public page: they open on the newest year that has data, the current
period a click away; a figure from another period says which; periods are picked by name from a list."""

import csv
import io
import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from departments.policy import Actor
from indicators.models import AuditChannel
from indicators.selectors import last_finished_period
from procedures.ingest import dossiers_import
from tests.factories import IndicatorFactory, ProcedureFactory, TargetFactory

from .test_dashboard import BOM, DASHBOARD, PUBLIC, approved, client_for, dossier

pytestmark = pytest.mark.django_db


@pytest.fixture
def current():
    return last_finished_period("year", timezone.localdate())


def text_of(response):
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


def period_field(html):
    """Return (the tag that carries name="period", the (code, name) of its options)."""
    select = re.search(r'<select[^>]*\bname="period"[^>]*>(.*?)</select>', html, re.S)
    if select is None:
        return ("input" if re.search(r'<input[^>]*\bname="period"', html) else None), []
    return "select", re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select.group(1))


@pytest.fixture
def fibre(cast, current):
    """Unit A's approved value of 2023 (90 %, target 80 for the current year) and dossiers of A and B in 2023."""
    indicator = IndicatorFactory(code="FIBRE", name="Tỷ lệ hộ có cáp quang")
    TargetFactory(indicator=indicator, year=int(current), value=80)
    approved(indicator, cast.unit_a, cast, numerator=90)
    ProcedureFactory(code="1.000001.H42", department=cast.unit_a)
    dossiers_import(rows=[dossier("A-1", cast.unit_a), dossier("B-1", cast.unit_b)], source="motcua",
                    actor=Actor(cast.admin), channel=AuditChannel.API, refresh=False)
    return indicator


def test_public_page_opens_on_the_newest_year_with_approved_values(cast, fibre, current):
    response = client_for().get(PUBLIC)
    assert response.context["period"].code == "2023" and response.context["period_defaulted"]
    page = text_of(response)
    assert "Tỉnh Thử nghiệm · Năm 2023" in page
    assert f"Đang xem Năm 2023, năm gần nhất có số liệu; Năm {current} (kỳ báo cáo hiện tại) chưa có số liệu." in page
    assert f'href="?period={current}&amp;lang=vi"' in response.content.decode()  # the current period, one click
    [row] = [row for row in response.context["data"]["rows"] if row["indicator"] == "FIBRE"]
    assert row["value"] == 90 and row["value_from"] == ""  # the year's own figure: nothing to say


def test_public_figure_of_an_earlier_year_says_which_year_it_is(cast, fibre, current):
    response = client_for().get(PUBLIC, {"period": current})
    [row] = [row for row in response.context["data"]["rows"] if row["indicator"] == "FIBRE"]
    assert row["value"] == 90 and row["value_from"] == "Năm 2023" and row["value_periods"] == "2023"
    page = text_of(response)
    assert f"Tỉnh Thử nghiệm · Năm {current}" in page
    assert "90 số liệu Năm 2023" in page
    assert f"Chưa có số liệu đã duyệt của Năm {current}." in page
    assert "Số liệu gần nhất thuộc Năm 2023:" in page


def test_downloads_name_the_period_a_value_is_from_and_default_like_the_page(cast, fibre, current):
    response = client_for().get("/public/data.csv", {"period": current})
    [row] = [row for row in csv.DictReader(io.StringIO(response.content[len(BOM):].decode()))
             if row["indicator"] == "FIBRE"]
    assert row["period"] == current and row["value"] == "90" and row["value_periods"] == "2023"
    body = client_for().get("/public/data.json").json()
    assert body["period"] == "2023"  # no period asked: the one the page opens on


def test_public_page_opens_on_the_current_period_once_it_has_data(cast, fibre, current):
    approved(fibre, cast.unit_b, cast, numerator=70, period=current)
    response = client_for().get(PUBLIC)
    assert response.context["period"].code == current
    assert 'id="dx-period-note"' not in response.content.decode()
    [row] = [row for row in response.context["data"]["rows"] if row["indicator"] == "FIBRE"]
    # A's 2023 value and B's current one are summed into the province: the row names the older year.
    assert row["value_periods"] == f"2023;{current}" and row["value_from"] == "Năm 2023"


def test_public_periods_are_picked_by_name(cast, fibre, current):
    html = client_for().get(PUBLIC).content.decode()
    tag, options = period_field(html)
    assert tag == "select"
    assert ("2023", "Năm 2023") in options and (current, f"Năm {current}") in options
    assert all(name.startswith("Năm ") for _code, name in options)


def test_dashboard_opens_on_the_newest_year_with_data_in_the_scope(cast, fibre, current):
    for person in (cast.reviewer, cast.staff_a):
        response = client_for(person).get(DASHBOARD)
        assert response.context["period"].code == "2023", person
        assert f"Đang xem Năm 2023, năm gần nhất có số liệu; Năm {current}" in text_of(response)
    # Unit B has dossiers of 2023 (and no approved value): it opens on 2023 too.
    assert client_for(cast.staff_b).get(DASHBOARD).context["period"].code == "2023"


def test_dashboard_of_a_scope_without_data_opens_on_the_current_period(cast, current):
    response = client_for(cast.staff_a).get(DASHBOARD)
    assert response.context["period"].code == current
    assert "Đang xem" not in text_of(response)


def test_dashboard_province_figure_of_an_earlier_year_says_which_year_it_is(cast, fibre, current):
    response = client_for(cast.reviewer).get(DASHBOARD, {"period": current})
    [row] = response.context["data"]["indicators"]
    assert row["value"] == 90 and row["value_from"] == "Năm 2023" and not row["own_value"]
    page = text_of(response)
    assert f"Toàn tỉnh · Năm {current}" in page and "số liệu Năm 2023" in page
    assert f"Chưa có số liệu đã duyệt của Năm {current}." in page
    assert not response.context["period_defaulted"]


def test_dashboard_unit_figure_of_an_earlier_year_says_which_year_it_is(cast, fibre, current):
    response = client_for(cast.staff_a).get(DASHBOARD, {"period": current})
    [row] = response.context["data"]["indicators"]
    assert row["value"] == 90 and row["value_from"] == "Năm 2023"
    assert "số liệu Năm 2023" in text_of(response)


def test_a_figure_of_the_period_itself_says_nothing_more(cast, fibre):
    response = client_for(cast.reviewer).get(DASHBOARD, {"period": "2023"})
    [row] = response.context["data"]["indicators"]
    assert row["own_value"] and row["value_from"] == ""
    assert "số liệu Năm" not in text_of(response) and 'id="dx-period-note"' not in response.content.decode()


def test_dashboard_periods_are_picked_by_name_grouped_by_year(cast, fibre, current):
    response = client_for(cast.reviewer).get(DASHBOARD, {"period": "2023Q3"})
    html = response.content.decode()
    tag, options = period_field(html)
    assert tag == "select"
    names = dict(options)
    assert names["2023"] == "Năm 2023" and names["2023Q3"] == "Quý 3/2023" and names["202308"] == "Tháng 8/2023"
    assert names["2023M9"] == "9 tháng năm 2023"
    assert re.search(r'<option value="2023Q3" selected>Quý 3/2023</option>', html)
    assert '<optgroup label="Năm 2023">' in html
    assert "2023Q3" not in text_of(response)  # no period is shown as a code, and no help text about codes
    assert "Quý 3/2023" in text_of(response)
    future = f"{timezone.localdate().year + 1}"
    assert future not in names  # only periods that have begun


def test_an_unlisted_period_still_shows_as_chosen(cast, fibre):
    _tag, options = period_field(client_for(cast.reviewer).get(DASHBOARD, {"period": "2012"}).content.decode())
    assert options[0] == ("2012", "Năm 2012")


def test_an_invalid_period_falls_back_to_the_opening_period_with_a_note(cast, fibre):
    response = client_for(cast.reviewer).get(DASHBOARD, {"period": "2023Q9"})
    assert response.context["problems"] and response.context["period"].code == "2023"


def test_dashboard_and_public_page_read_no_dossier(cast, fibre, current):
    """The figures come from the summary cells; only the report content's overdue count (procedures.selectors,
    the open dossiers received in the period, from their partial index) reads the dossiers, the public page none."""
    client = client_for(cast.reviewer)
    client.get(DASHBOARD)
    with CaptureQueriesContext(connection) as queries:
        client.get(DASHBOARD)
    dossier_reads = [q["sql"] for q in queries.captured_queries if 'FROM "procedures_dossier"' in q["sql"]]
    # Overdue only, once: the report's totals add up its units' rows (reports.content._totals), no second pass.
    assert len(dossier_reads) == 1 and all('"status" IN' in sql for sql in dossier_reads)
    with CaptureQueriesContext(connection) as queries:
        client_for().get(PUBLIC, {"period": current})
    assert not [q for q in queries.captured_queries if "procedures_dossier" in q["sql"]]


def test_english_names_the_periods_in_english(cast, fibre, current):
    response = client_for().get(PUBLIC, {"period": current, "lang": "en"})
    tag, options = period_field(response.content.decode())
    assert (current, f"Year {current}") in options
    assert "Year 2023" in text_of(response)


def test_other_scope_units_are_not_counted_for_a_units_newest_year(cast, fibre, current):
    other = IndicatorFactory(code="OTHER")
    TargetFactory(indicator=other, year=int(current), value=80)
    approved(other, cast.unit_b, cast, numerator=50, period=current)
    assert client_for(cast.staff_a).get(DASHBOARD).context["period"].code == "2023"
    assert client_for(cast.staff_b).get(DASHBOARD).context["period"].code == current
    assert client_for(cast.reviewer).get(DASHBOARD).context["period"].code == current
