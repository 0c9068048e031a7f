"""GET /api/v1/regimes/ and the periods of a year under a regime."""

import pytest

pytestmark = pytest.mark.django_db


def test_regimes_are_listed_with_their_rules(client_as):
    body = client_as("staff_a").get("/api/v1/regimes/").json()
    codes = [regime["code"] for regime in body["results"]]
    assert {"nd09-mac-dinh", "thong-ke", "bao-cao-cds-tinh"} <= set(codes)


def test_periods_of_a_year_name_their_dates_and_deadline(client_as):
    response = client_as("system").get("/api/v1/regimes/nd09-mac-dinh/periods/?year=2023")
    periods = {row["period"]: row for row in response.json()}
    assert periods["202308"] == {"period": "202308", "start": "2023-07-15", "end": "2023-08-14",
                                 "deadline": "2023-08-16"}
    assert periods["2023"]["start"] == "2022-12-15"
    assert len(periods) == 12 + 4 + 2 + 1 + 1


def test_periods_of_one_frequency(client_as):
    response = client_as("reviewer").get("/api/v1/regimes/thong-ke/periods/?year=2024&frequency=quarter")
    assert [row["period"] for row in response.json()] == ["2024Q1", "2024Q2", "2024Q3", "2024Q4"]


@pytest.mark.parametrize("query", ["", "?year=abc", "?year=99999", "?year=2023&frequency=fortnight",
                                   "?year=2023&frequency=nine_months"])
def test_bad_period_query_is_a_400_naming_the_field(client_as, query):
    response = client_as("staff_a").get(f"/api/v1/regimes/thong-ke/periods/{query}")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] in {"year", "frequency"}
    assert response.json()["errors"][0]["message_en"]


def test_unknown_regime_is_a_404(client_as):
    assert client_as("staff_a").get("/api/v1/regimes/none/periods/?year=2023").status_code == 404


def test_errors_come_in_vietnamese_and_english(client_as):
    response = client_as("staff_a").get("/api/v1/regimes/thong-ke/periods/?year=2023&frequency=nine_months")
    error = response.json()["errors"][0]
    assert error["message"] == "Chế độ báo cáo này không có tần suất đó."
    assert error["message_en"] == "This regime has no such frequency."
