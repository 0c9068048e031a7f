from datetime import date

import pytest

from departments.policy import Actor
from indicators.models import AuditChannel
from indicators.reminders import deadline_reminders, deadline_reminders_send
from indicators.services import value_create, value_submit
from tests.factories import IndicatorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owed(cast):
    # Yearly, deadline 15 days after the year: 2025 is due on 15 January 2026.
    return IndicatorFactory(code="OWED"), IndicatorFactory(code="SENT")


def test_staff_hear_of_deadlines_three_days_before_and_the_day_after(cast, owed):
    _owed, sent = owed
    value = value_create(indicator=sent, unit=cast.unit_a, period="2025", value=1, actor=Actor(cast.staff_a),
                         channel=AuditChannel.API)
    value_submit(value=value, actor=Actor(cast.staff_a), channel=AuditChannel.API)
    soon = deadline_reminders(today=date(2026, 1, 12))
    assert set(soon) == {cast.staff_a.email, cast.staff_b.email}
    assert len(soon[cast.staff_a.email]) == 1 and "OWED" in soon[cast.staff_a.email][0]
    assert "sắp đến hạn" in soon[cast.staff_a.email][0]
    assert len(soon[cast.staff_b.email]) == 2
    assert "đã quá hạn" in deadline_reminders(today=date(2026, 1, 16))[cast.staff_a.email][0]
    assert deadline_reminders(today=date(2026, 1, 13)) == {}


def test_reminders_go_out_once_a_day(cast, owed, mailoutbox):
    assert deadline_reminders_send(today=date(2026, 1, 12)) == 2
    assert deadline_reminders_send(today=date(2026, 1, 12)) == 0
    assert len(mailoutbox) == 2
    assert "Nhắc hạn" in mailoutbox[0].subject
