"""A regime whose rules cannot give contiguous periods or timely deadlines is refused, on every path."""

import pytest
from django.contrib.admin.models import LogEntry

from departments.policy import Actor
from kernel.errors import NotAllowed, ServiceError
from regimes.models import Regime
from regimes.services import regime_save

pytestmark = pytest.mark.django_db


def regime(**fields):
    values = {"code": "test", "name": "Thử", "legal_basis": "Thử", "frequencies": ["month", "year"],
              "window_kind": "day_range", "window_start_day": 15, "window_end_day": 14,
              "deadline_kind": "working_days", "deadline_working_days": 2}
    return Regime(**{**values, **fields})


def refused_field(cast, **fields):
    with pytest.raises(ServiceError) as refused:
        regime_save(regime=regime(**fields), actor=Actor(cast.admin))
    assert not Regime.objects.filter(code="test").exists()
    return refused.value.field


def test_window_whose_end_is_not_the_day_before_its_start_is_refused(cast):
    assert refused_field(cast, window_start_day=15, window_end_day=20) == "window_end_day"


def test_window_starting_on_a_day_some_months_lack_is_refused(cast):
    assert refused_field(cast, window_start_day=30, window_end_day=29) == "window_start_day"


def test_deadline_before_the_cut_off_is_refused(cast):
    # The 10th of the cut-off month comes before its 14th.
    fields = {"deadline_kind": "fixed_day", "deadline_day": 10, "deadline_month_offset": 0}
    assert refused_field(cast, **fields) == "deadline_day"


def test_unknown_frequency_is_refused(cast):
    assert refused_field(cast, frequencies=["fortnight"]) == "frequencies"


def test_valid_regime_is_saved_and_logged(cast):
    saved = regime_save(regime=regime(frequencies=["year", "month"]), actor=Actor(cast.admin))
    assert saved.frequencies == ["month", "year"]
    assert LogEntry.objects.filter(object_id=str(saved.pk)).count() == 1


def test_staff_may_not_change_a_regime(cast):
    with pytest.raises(NotAllowed):
        regime_save(regime=regime(), actor=Actor(cast.staff_a))


def test_admin_form_shows_the_window_error_beside_the_field(cast, client):
    client.force_login(cast.admin, backend="django.contrib.auth.backends.ModelBackend")
    data = {"code": "form", "name": "Thử", "legal_basis": "Thử", "frequencies": ["month"],
            "window_kind": "day_range", "window_start_day": "15", "window_end_day": "20",
            "deadline_kind": "working_days", "deadline_working_days": "2", "deadline_month_offset": "1",
            "reminder_days_before": "[3]", "source_note": ""}
    response = client.post("/admin/regimes/regime/add/", data)
    assert response.status_code == 200
    assert "liền nhau" in response.context["adminform"].form.errors["window_end_day"][0]
    assert not Regime.objects.filter(code="form").exists()
