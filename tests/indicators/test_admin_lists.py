"""The values list over a big table: figures in the person's language with the indicator's decimals, evidence
and comment counts for the page only, ordering by the list's own index, no full count."""

from datetime import date

import pytest
from django.utils import translation

from indicators.models import Comment, IndicatorValue
from kernel import paginators
from tests.factories import IndicatorFactory
from tests.indicators.test_admin import VALUES, admin_client, bulk_values

pytestmark = pytest.mark.django_db


def value_of(cast, indicator, *, period="2023", start=date(2023, 1, 1), **numbers):
    return IndicatorValue.objects.create(indicator=indicator, unit=cast.unit_a, period=period, period_start=start,
                                         period_end=date(start.year, 12, 31), due_date=date(start.year + 1, 1, 15),
                                         created_by=cast.staff_a, updated_by=cast.staff_a, **numbers)


def cell(response, value):
    row = next(r for r in response.context["cl"].result_list if r.pk == value.pk)
    return response.context["cl"].model_admin.shown_value(row)


@pytest.mark.parametrize("language, rate, count", [("vi", "99,88 (12.382/12.397) %", "1.234.567 hồ sơ"),
                                                   ("en", "99.88 (12,382/12,397) %", "1,234,567 hồ sơ")])
def test_figures_follow_the_language_and_the_indicators_precision(cast, language, rate, count):
    percent = IndicatorFactory(value_type="percent", unit_of_measure="%")
    counted = IndicatorFactory(value_type="count", unit_of_measure="hồ sơ")
    ratio = value_of(cast, percent, numerator=12382, denominator=12397, value="99.8790")
    total = value_of(cast, counted, value=1234567)
    client = admin_client(cast.reviewer)
    with translation.override(language):
        response = client.get(VALUES, HTTP_ACCEPT_LANGUAGE=language)
        assert (cell(response, ratio), cell(response, total)) == (rate, count)
    assert "0000" not in response.content.decode()


def test_evidence_and_comment_counts_are_those_of_each_row(cast):
    indicators = [IndicatorFactory() for _ in range(3)]
    values = bulk_values(indicators, cast.unit_a, "submitted", cast.staff_a)  # one comment each
    Comment.objects.create(value=values[0], author=cast.reviewer, text="Thêm một câu hỏi")
    response = admin_client(cast.reviewer).get(VALUES)
    counts = {row.pk: (row.evidence_count, row.comment_count) for row in response.context["cl"].result_list}
    assert counts == {values[0].pk: (0, 2), values[1].pk: (0, 1), values[2].pk: (0, 1)}


def test_list_is_newest_period_first_by_its_own_columns(cast):
    indicator = IndicatorFactory()
    older = value_of(cast, indicator, period="2022", start=date(2022, 1, 1))
    newer = value_of(cast, indicator, period="2023", start=date(2023, 1, 1))
    response = admin_client(cast.reviewer).get(VALUES)
    assert [row.pk for row in response.context["cl"].result_list] == [newer.pk, older.pk]
    assert response.context["cl"].get_ordering(response.wsgi_request, IndicatorValue.objects.all())[:3] == [
        "-period_start", "indicator_id", "unit_id"]


def test_values_list_past_the_count_cap_pages_on(cast, monkeypatch):
    monkeypatch.setattr(paginators, "COUNT_CAP", 2)
    monkeypatch.setattr("indicators.admin.values.IndicatorValueAdmin.list_per_page", 2)
    values = bulk_values([IndicatorFactory() for _ in range(5)], cast.unit_a, "submitted", cast.staff_a)
    client = admin_client(cast.reviewer)
    seen = [row.pk for n in (1, 2, 3) for row in client.get(f"{VALUES}?p={n}").context["cl"].result_list]
    assert sorted(seen) == sorted(v.pk for v in values)
    assert client.get(VALUES).context["cl"].full_result_count is None  # never the whole table a second time


def test_audit_list_is_a_fixed_number_of_queries(cast):
    client = admin_client(cast.reviewer)
    bulk_values([IndicatorFactory() for _ in range(2)], cast.unit_a, "submitted", cast.staff_a)
    from tests.indicators.test_admin import CaptureQueriesContext, connection

    def measure():
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/admin/indicators/auditentry/").status_code == 200
        return len(captured)

    small = measure()
    bulk_values([IndicatorFactory() for _ in range(30)], cast.unit_a, "submitted", cast.staff_a)
    # session, user, the user's and the groups' permissions, the role's groups; the capped count; one page of
    # entries with value, indicator, unit, actor and key (one join): no full count, no distinct dates.
    assert measure() == small == 7
