"""The dossier admin over a big table: what it shows (status, both units, history inlines), how it filters,
and that it never counts or scans more than the page it shows."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from kernel import paginators
from procedures.models import Dossier, DossierStatusChange, DossierStep, DossierSupplement
from tests.procedures.test_admin import AUTH_QUERIES, dossier_row, login, push, queries_for
from tests.procedures.test_admin import procedures as procedures_fixture

procedures = procedures_fixture  # the fixture, under the name the tests ask for

pytestmark = pytest.mark.django_db
LIST = "/admin/procedures/dossier/"
HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def national_row(code, unit, *, status, receiving=None, day=1):
    return {**dossier_row(code, unit, day=day), "status": status, "receiving_unit": receiving or unit}


def test_list_shows_the_national_status_by_its_label_and_both_units(cast, procedures):
    push(cast, [national_row("HS-1", "A", status="5", receiving="B")])
    page = login(cast.reviewer).get(LIST).content.decode()
    assert "5. Yêu cầu bổ sung giấy tờ" in page
    assert "Sở A (A)" in page and "Sở B (B)" in page  # competent unit, receiving unit
    assert "đơn vị tiếp nhận" in page.lower()


def test_list_filters_by_status_receiving_unit_and_year(cast, procedures):
    push(cast, [national_row("HS-1", "A", status="5", receiving="B"), national_row("HS-2", "A", status="4")])
    client = login(cast.reviewer)

    def codes(query):
        return {d.code for d in client.get(f"{LIST}?{query}").context["cl"].result_list}

    assert codes("status__exact=5") == {"HS-1"}
    assert codes(f"receiving_unit__id__exact={cast.unit_b.pk}") == {"HS-1"}
    assert codes(f"unit__id__exact={cast.unit_a.pk}") == {"HS-1", "HS-2"}
    assert codes("received_year=2023") == {"HS-1", "HS-2"}
    assert codes("received_year=2022") == set()


def test_unit_filters_list_only_the_units_the_person_may_see(cast, procedures):
    push(cast, [national_row("HS-1", "A", status="4", receiving="B")])
    page = login(cast.staff_a).get(LIST)
    filters = {spec.title: [str(choice["display"]) for choice in spec.choices(page.context["cl"])]
               for spec in page.context["cl"].filter_specs}
    shown = " ".join(" ".join(choices) for choices in filters.values())
    assert "Sở A (A)" in shown and "Sở B (B)" not in shown


def test_year_filter_offers_the_years_of_the_summary_cells(cast, procedures):
    push(cast, [national_row("HS-1", "A", status="4")])
    page = login(cast.reviewer).get(LIST).content.decode()
    assert "received_year=2023" in page and "received_year=2022" not in page


def test_dossier_page_shows_its_status_changes_supplements_and_steps_read_only(cast, procedures):
    push(cast, [national_row("HS-1", "A", status="5")])
    dossier = Dossier.objects.get(code="HS-1")
    moment = datetime(2023, 8, 2, 9, tzinfo=HCM)
    DossierStatusChange.objects.create(dossier=dossier, previous_status="2", status="5", at=moment)
    DossierSupplement.objects.create(dossier=dossier, position=1, requested_at=moment, previous_due_at=moment,
                                     new_due_at=datetime(2023, 8, 30, 17, tzinfo=HCM))
    DossierStep.objects.create(dossier=dossier, position=1, handler="Nguyễn Văn Xử Lý", status="Đã xử lý", at=moment)
    response = login(cast.reviewer).get(f"{LIST}{dossier.pk}/change/")
    page = response.content.decode()
    assert response.status_code == 200
    for heading in ("thay đổi trạng thái hồ sơ", "lần bổ sung hồ sơ", "bước xử lý hồ sơ"):
        assert heading in page.lower()
    assert "Nguyễn Văn Xử Lý" in page and "Yêu cầu bổ sung giấy tờ" in page
    assert 'name="_save"' not in page and "DELETE" not in page  # read only, nothing to delete


def test_a_dossier_is_found_by_its_exact_code_only(cast, procedures):
    push(cast, [national_row("HS-12", "A", status="4"), national_row("HS-123", "A", status="4")])
    found = login(cast.reviewer).get(f"{LIST}?q=HS-12").context["cl"].result_list
    assert [d.code for d in found] == ["HS-12"]


def test_list_past_the_count_cap_pages_on_without_counting_the_table(cast, procedures, monkeypatch):
    monkeypatch.setattr(paginators, "COUNT_CAP", 3)
    push(cast, [national_row(f"HS-{n}", "A", status="4", day=1 + n) for n in range(8)])
    client = login(cast.staff_a)  # a scoped list: filtered, so past the cap its count is the cap + 1
    first = client.get(LIST).context["cl"]
    assert first.result_count == 4 and first.full_result_count is None
    monkeypatch.setattr("procedures.admin.dossiers.DossierAdmin.list_per_page", 3)
    pages = [[d.code for d in client.get(f"{LIST}?p={n}").context["cl"].result_list] for n in (1, 2, 3)]
    assert pages == [["HS-7", "HS-6", "HS-5"], ["HS-4", "HS-3", "HS-2"], ["HS-1", "HS-0"]]  # newest first


@pytest.mark.parametrize("role, scope_queries", [("reviewer", 0), ("staff_a", 1)])
def test_dossier_list_filtered_is_a_fixed_number_of_queries(cast, procedures, role, scope_queries):
    client = login(getattr(cast, role))
    url = f"{LIST}?status__exact=4&unit__id__exact={cast.unit_a.pk}&received_year=2023"
    push(cast, [national_row(f"HS-{n}", "A", status="4", receiving="B", day=1 + n % 28) for n in range(3)])
    small = queries_for(client, url)
    push(cast, [national_row(f"HS-{n}", "A", status="4", receiving="B", day=1 + n % 28) for n in range(3, 80)])
    # auth, [staff: the ids of their units' subtree], the years of the summary cells, the competent
    # and the receiving units the person may see, the capped count, one page of dossiers with procedure and
    # both units (one join): no full count, no facet counts, no distinct dates.
    assert queries_for(client, url) == small == AUTH_QUERIES + scope_queries + 5


def test_dossier_page_is_a_fixed_number_of_queries(cast, procedures):
    client = login(cast.reviewer)
    push(cast, [national_row("HS-1", "A", status="5")])
    dossier = Dossier.objects.get(code="HS-1")
    url = f"{LIST}{dossier.pk}/change/"

    def add_history(count):
        for n in range(count):
            DossierStatusChange.objects.create(dossier=dossier, previous_status="2", status="4")
            DossierStep.objects.create(dossier=dossier, position=n + 1, handler=f"Cán bộ {n}")
            DossierSupplement.objects.create(dossier=dossier, position=n + 1)

    add_history(1)
    small = queries_for(client, url)
    add_history(20)
    assert queries_for(client, url) == small
