"""The admin review queue's summary reads at most COUNT_CAP rows of a state, whatever the table holds."""

import pytest

from tests.indicators.test_admin import VALUES, admin_client
from tests.indicators.test_workspace import _queue_of

pytestmark = pytest.mark.django_db


def test_past_the_cap_the_summary_says_more_than_and_counts_units_among_the_oldest(cast, monkeypatch):
    import indicators.admin.values

    monkeypatch.setattr(indicators.admin.values, "COUNT_CAP", 5)
    _queue_of(cast, 1, size=4)  # the 4 oldest: Sở A
    _queue_of(cast, 1, size=3, unit=cast.unit_b, days_ago=29)

    response = admin_client(cast.reviewer).get(f"{VALUES}?queue=1")

    summary = response.context["queue_summary"]
    assert summary["by_state"] == [("Đã gửi", "hơn 5")]
    assert summary["by_unit"] == [("A", "Sở A", 4), ("B", "Sở B", 1)] and summary["by_unit_partial"]
    assert "(trong 5 số liệu gửi sớm nhất)" in response.content.decode()


def test_under_the_cap_the_summary_is_exact(cast):
    _queue_of(cast, 1, size=4)
    _queue_of(cast, 1, size=3, unit=cast.unit_b, days_ago=29)

    response = admin_client(cast.reviewer).get(f"{VALUES}?queue=1")

    summary = response.context["queue_summary"]
    assert summary["by_state"] == [("Đã gửi", 7)] and not summary["by_unit_partial"]
    assert summary["by_unit"] == [("A", "Sở A", 4), ("B", "Sở B", 3)]
    assert "gửi sớm nhất" not in response.content.decode()
