"""The entry and review workspaces, through Django's test client: what is stored, what the rows say."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import path
from django.utils import timezone
from django.utils.translation import ngettext, override

from departments.policy import Actor
from indicators.models import AuditChannel, IndicatorValue, ValueState
from indicators.selectors import last_finished_period
from indicators.services import evidence_add, value_create, value_return, value_submit
from tests.factories import IndicatorFactory, TargetFactory, UnitFactory

pytestmark = pytest.mark.django_db

BACKEND = "django.contrib.auth.backends.ModelBackend"
ENTRY = "/workspace/"
REVIEW = "/workspace/review/"
PDF = b"%PDF-1.4 bien ban"


def client_for(user):
    client = Client()
    client.force_login(user, backend=BACKEND)
    return client


@pytest.fixture
def period():
    return last_finished_period("year", timezone.localdate())


@pytest.fixture
def number_indicator(cast):
    return IndicatorFactory(code="WS-NUM", name="Số dịch vụ công trực tuyến", value_type="number",
                            aggregation="sum", unit_of_measure="dịch vụ")


@pytest.fixture
def percent_indicator(cast):
    return IndicatorFactory(code="WS-PCT", name="Tỷ lệ hồ sơ trực tuyến", evidence_required=True)


def post_row(client, cast, period, rows, *, submit=False, unit=None):
    data = {"unit": (unit or cast.unit_a).pk, "period": period, "submit" if submit else "save": "1"}
    for indicator, fields in rows.items():
        data.update({f"i{indicator.pk}-{name}": raw for name, raw in fields.items()})
    return client.post(ENTRY, data)


def test_vietnamese_comma_number_is_stored_as_four_point_five(cast, period, number_indicator):
    response = post_row(client_for(cast.staff_a), cast, period, {number_indicator: {"value": "4,5"}})

    assert response.status_code == 302
    stored = IndicatorValue.objects.get(indicator=number_indicator, unit=cast.unit_a, period=period)
    assert stored.value == Decimal("4.5")


def test_thousands_and_decimals_the_vietnamese_way(cast, period, number_indicator):
    post_row(client_for(cast.staff_a), cast, period, {number_indicator: {"value": "1.234,5"}})

    assert IndicatorValue.objects.get(indicator=number_indicator).value == Decimal("1234.5")


def test_english_decimal_point_is_refused_in_its_row_and_nothing_saved(cast, period, number_indicator,
                                                                       percent_indicator):
    response = post_row(client_for(cast.staff_a), cast, period, {
        number_indicator: {"value": "4.5"}, percent_indicator: {"numerator": "3", "denominator": "4"},
    })

    assert response.status_code == 200
    page = response.content.decode()
    row = page[page.index(f'id="ws-name-{number_indicator.pk}"'):]
    assert "Không đọc được số" in row[:row.index("</section>")]
    assert not IndicatorValue.objects.exists()  # all or nothing: the good row waits with the bad one


def test_save_stores_every_row_at_once(cast, period, number_indicator, percent_indicator):
    post_row(client_for(cast.staff_a), cast, period, {
        number_indicator: {"value": "12"}, percent_indicator: {"numerator": "3", "denominator": "4"},
    })

    stored = {value.indicator.code: value for value in IndicatorValue.objects.select_related("indicator")}
    assert stored["WS-NUM"].value == Decimal("12")
    assert stored["WS-PCT"].value == Decimal("75")
    assert {value.state for value in stored.values()} == {ValueState.DRAFT}


def test_submit_sends_only_the_chosen_rows(cast, period, number_indicator, percent_indicator):
    response = post_row(client_for(cast.staff_a), cast, period, {
        number_indicator: {"value": "12", "chosen": "on"}, percent_indicator: {"value": "50"},
    }, submit=True)

    assert response.status_code == 302
    states = dict(IndicatorValue.objects.values_list("indicator__code", "state"))
    assert states == {"WS-NUM": ValueState.SUBMITTED, "WS-PCT": ValueState.DRAFT}


def test_submit_without_evidence_shows_the_requirement_in_the_row(cast, period, percent_indicator):
    response = post_row(client_for(cast.staff_a), cast, period, {percent_indicator: {"value": "50"}}, submit=True)

    page = response.content.decode()
    assert response.status_code == 200
    assert "Bắt buộc minh chứng trước khi gửi duyệt" in page  # shown before anyone submits, too
    assert "bắt buộc có minh chứng trước khi gửi duyệt" in page
    assert not IndicatorValue.objects.exists()


def test_evidence_attached_in_the_row_lets_the_row_be_submitted(cast, period, percent_indicator, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = client_for(cast.staff_a)
    data = {"unit": cast.unit_a.pk, "period": period, "submit": "1", f"i{percent_indicator.pk}-value": "50",
            f"i{percent_indicator.pk}-evidence": SimpleUploadedFile("bien-ban.pdf", PDF)}

    response = client.post(ENTRY, data)

    assert response.status_code == 302
    stored = IndicatorValue.objects.get()
    assert stored.state == ValueState.SUBMITTED and stored.evidence.count() == 1


def test_returned_row_shows_the_reviewers_reason_at_its_top(cast, period, number_indicator):
    staff = Actor(user=cast.staff_a)
    value = value_create(indicator=number_indicator, unit=cast.unit_a, period=period, actor=staff,
                         channel=AuditChannel.API, value=7)
    value_submit(value=value, actor=staff, channel=AuditChannel.API)
    value_return(value=value, reason="Thiếu số liệu quý 4.", actor=Actor(user=cast.reviewer),
                 channel=AuditChannel.API)

    page = client_for(cast.staff_a).get(ENTRY).content.decode()

    row = page[page.index('class="ws-row ws-state-returned"'):]
    assert row.index("Thiếu số liệu quý 4.") < row.index('id="ws-name-')


def test_numbers_are_shown_the_vietnamese_way_with_the_indicators_precision(cast, period, percent_indicator):
    TargetFactory(indicator=percent_indicator, year=int(period), value=Decimal("84.0000"))

    page = client_for(cast.staff_a).get(ENTRY).content.decode()

    assert "84,00" in page and "84.0000" not in page


def test_staff_of_another_unit_gets_the_vietnamese_403_page(cast, number_indicator):
    response = client_for(cast.staff_b).get(ENTRY, {"unit": cast.unit_a.pk})

    assert response.status_code == 403
    page = response.content.decode()
    assert "Bạn không có quyền mở trang này" in page
    assert "Về trang chủ" in page


def test_reviewer_may_not_open_the_entry_workspace_and_staff_not_the_review(cast):
    assert client_for(cast.reviewer).get(ENTRY).status_code == 403
    response = client_for(cast.staff_a).get(REVIEW)
    assert response.status_code == 403 and "Chỉ người duyệt" in response.content.decode()


def test_unknown_page_is_the_vietnamese_404(cast):
    response = client_for(cast.staff_a).get("/khong-co-trang-nay/")

    assert response.status_code == 404
    assert "Không tìm thấy trang này" in response.content.decode()


def _submitted(cast, indicator, period, unit=None, figure=5):
    staff = Actor(user=cast.staff_a)
    value = value_create(indicator=indicator, unit=unit or cast.unit_a, period=period, actor=staff,
                         channel=AuditChannel.API, value=figure)
    if indicator.evidence_required:
        evidence_add(value=value, upload=SimpleUploadedFile("a.pdf", PDF), actor=staff, channel=AuditChannel.API)
    return value_submit(value=value, actor=staff, channel=AuditChannel.API)


def test_reviewer_approves_one_row_and_returns_another_with_its_reason(cast, period, number_indicator,
                                                                       percent_indicator, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    first, second = _submitted(cast, number_indicator, period), _submitted(cast, percent_indicator, period)
    client = client_for(cast.reviewer)

    approved = client.post(REVIEW, {"approve": first.pk}, follow=True)
    returned = client.post(REVIEW, {"return": second.pk, f"reason-{second.pk}": "Sai mẫu số."}, follow=True)

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.state == ValueState.APPROVED and second.state == ValueState.RETURNED
    assert second.return_reason == "Sai mẫu số."
    assert "Đã duyệt 1 số liệu." in approved.content.decode()
    assert "Đã trả lại 1 số liệu." in returned.content.decode()


def test_return_without_reason_is_refused_with_a_message(cast, period, number_indicator):
    value = _submitted(cast, number_indicator, period)

    response = client_for(cast.reviewer).post(REVIEW, {"return": value.pk}, follow=True)

    value.refresh_from_db()
    assert value.state == ValueState.SUBMITTED
    assert "Cần ghi rõ lý do." in response.content.decode()


def test_admin_who_entered_a_value_cannot_approve_it_in_the_review_workspace(cast, period, number_indicator):
    admin = Actor(user=cast.admin)
    value = value_create(indicator=number_indicator, unit=cast.unit_a, period=period, actor=admin,
                         channel=AuditChannel.API, value=3)
    value_submit(value=value, actor=admin, channel=AuditChannel.API)

    response = client_for(cast.admin).post(REVIEW, {"approve": value.pk}, follow=True)

    value.refresh_from_db()
    assert value.state == ValueState.SUBMITTED
    assert "không được tự duyệt" in response.content.decode()


def test_review_groups_by_unit_and_period_oldest_first(cast, period, number_indicator):
    older = _submitted(cast, number_indicator, str(int(period) - 1))
    _submitted(cast, number_indicator, period)

    page = client_for(cast.reviewer).get(REVIEW).content.decode()

    assert page.index(f"Năm {older.period}") < page.index(f"Năm {period}")


def _drafts_of_new_indicators(cast, period, count):
    staff = Actor(user=cast.staff_a)
    for _n in range(count):
        value_create(indicator=IndicatorFactory(value_type="number", aggregation="sum"), unit=cast.unit_a,
                     period=period, actor=staff, channel=AuditChannel.API, value=1)


@pytest.mark.parametrize("rows", [2, 20])
def test_entry_workspace_query_count_is_flat(cast, period, rows, django_assert_num_queries):
    _drafts_of_new_indicators(cast, period, rows)
    client = client_for(cast.staff_a)

    # 1 session, 2 user, 3 groups (role), 4 the subtree of the home units, 5 units offered, 6 indicators,
    # 7 latest period with data, 8 values of this and last period, 9 their evidence, 10 targets,
    # 11-12 the admin's app list (user and group permissions), 13 the working-day calendar (read once).
    with django_assert_num_queries(13):
        response = client.get(ENTRY)

    assert response.content.decode().count('class="ws-row ') == rows


@pytest.mark.parametrize("rows", [1, 11])
def test_review_workspace_query_count_is_flat(cast, period, rows, django_assert_num_queries):
    for _n in range(rows):
        _submitted(cast, IndicatorFactory(value_type="number", aggregation="sum"), period)
    client = client_for(cast.reviewer)

    # 1 session, 2 user, 3 groups (role), 4 the units offered by the filter, 5-6 the admin's app list (user and
    # group permissions), 7 the page of the queue with its last approvals, 8 evidence, 9 targets (no count: the
    # whole queue is on this page).
    with django_assert_num_queries(9):
        response = client.get(REVIEW)

    assert response.content.decode().count('<article class="ws-row"') == rows


def test_form_error_banner_is_vietnamese():
    with override("vi"):
        banner = ngettext("Please correct the error below.", "Please correct the errors below.", 1)
    assert banner == "Vui lòng sửa lỗi được nêu dưới đây."


def test_login_page_has_a_heading(db):
    page = Client().get("/admin/login/").content.decode()

    assert '<h1 class="dx-login-title">Đăng nhập</h1>' in page


def test_unit_of_another_province_branch_is_not_offered(cast):
    UnitFactory(code="C", name="Sở C", parent=cast.province)

    page = client_for(cast.staff_a).get(ENTRY).content.decode()

    assert "Sở C" not in page and "Sở B" not in page


def test_review_shows_what_changed_since_the_last_approval(cast, period, number_indicator):
    from indicators.services import value_approve, value_reopen, value_update

    staff, reviewer = Actor(user=cast.staff_a), Actor(user=cast.reviewer)
    value = _submitted(cast, number_indicator, period, figure=Decimal("4.5"))
    value = value_approve(value=value, actor=reviewer, channel=AuditChannel.API)
    value = value_reopen(value=value, reason="Sửa số", actor=reviewer, channel=AuditChannel.API)
    value = value_update(value=value, expected_version=value.version, actor=staff, channel=AuditChannel.API,
                         changes={"value": Decimal("5")})
    value_submit(value=value, actor=staff, channel=AuditChannel.API)

    page = client_for(cast.reviewer).get(REVIEW).content.decode()

    assert "Giá trị: 4,5 → 5" in page



def test_review_after_a_return_shows_what_the_unit_corrected_since_the_return(cast, period, number_indicator):
    from indicators.services import value_approve, value_reopen, value_update

    staff, reviewer = Actor(user=cast.staff_a), Actor(user=cast.reviewer)
    value = _submitted(cast, number_indicator, period, figure=Decimal("3"))
    value = value_approve(value=value, actor=reviewer, channel=AuditChannel.API)
    value = value_reopen(value=value, reason="Sửa số", actor=reviewer, channel=AuditChannel.API)
    value = value_update(value=value, expected_version=value.version, actor=staff, channel=AuditChannel.API,
                         changes={"value": Decimal("4.5")})
    value = value_submit(value=value, actor=staff, channel=AuditChannel.API)
    value = value_return(value=value, reason="Thiếu nguồn", actor=reviewer, channel=AuditChannel.API)
    value = value_update(value=value, expected_version=value.version, actor=staff, channel=AuditChannel.API,
                         changes={"value": Decimal("5")})
    value_submit(value=value, actor=staff, channel=AuditChannel.API)

    page = client_for(cast.reviewer).get(REVIEW).content.decode()

    assert "Thay đổi so với lần bị trả lại:" in page and "Giá trị: 4,5 → 5" in page
    assert "3 → 5" not in page  # not against the approval before the return


def test_review_of_a_resubmission_without_changes_says_so(cast, period, number_indicator):
    staff, reviewer = Actor(user=cast.staff_a), Actor(user=cast.reviewer)
    value = _submitted(cast, number_indicator, period, figure=Decimal("4.5"))
    value = value_return(value=value, reason="Thiếu nguồn", actor=reviewer, channel=AuditChannel.API)
    value_submit(value=value, actor=staff, channel=AuditChannel.API)

    page = client_for(cast.reviewer).get(REVIEW).content.decode()

    assert "Gửi lại không thay đổi số liệu so với lần bị trả lại." in page and "chưa từng được duyệt" not in page

def _broken_view(request):
    raise RuntimeError("a bug")


urlpatterns = [path("boom/", _broken_view)]


@pytest.mark.urls("tests.indicators.test_workspace")
def test_server_error_is_the_portals_own_vietnamese_500_page(db):
    response = Client(raise_request_exception=False).get("/boom/")

    assert response.status_code == 500
    page = response.content.decode()
    assert "Cổng đang gặp sự cố" in page and "Về trang chủ" in page


def test_value_page_shows_the_return_reason_above_the_form_and_links_to_the_workspace(cast, period,
                                                                                     number_indicator):
    staff = Actor(user=cast.staff_a)
    value = value_create(indicator=number_indicator, unit=cast.unit_a, period=period, actor=staff,
                         channel=AuditChannel.API, value=7)
    value_submit(value=value, actor=staff, channel=AuditChannel.API)
    value_return(value=value, reason="Thiếu nguồn số liệu.", actor=Actor(user=cast.reviewer),
                 channel=AuditChannel.API)

    page = client_for(cast.staff_a).get(f"/admin/indicators/indicatorvalue/{value.pk}/change/").content.decode()

    assert page.index("Thiếu nguồn số liệu.") < page.index('id="indicatorvalue_form"')  # not only in the history
    assert f"/workspace/?unit={cast.unit_a.pk}&amp;period={period}" in page


def test_submit_without_a_choice_sends_every_row_with_figures(cast, period, number_indicator):
    other = IndicatorFactory(code="WS-NUM2", value_type="number", aggregation="sum")
    untouched = IndicatorFactory(code="WS-NUM3", value_type="number", aggregation="sum")

    post_row(client_for(cast.staff_a), cast, period, {number_indicator: {"value": "1"}, other: {"value": "2,5"}},
             submit=True)

    states = dict(IndicatorValue.objects.values_list("indicator__code", "state"))
    assert states == {"WS-NUM": ValueState.SUBMITTED, "WS-NUM2": ValueState.SUBMITTED}
    assert not IndicatorValue.objects.filter(indicator=untouched).exists()


def test_a_change_made_meanwhile_is_reported_in_the_row_not_overwritten(cast, period, number_indicator):
    from indicators.services import value_update

    staff = Actor(user=cast.staff_a)
    value = value_create(indicator=number_indicator, unit=cast.unit_a, period=period, actor=staff,
                         channel=AuditChannel.API, value=1)
    seen_version = value.version
    value_update(value=value, expected_version=seen_version, actor=staff, channel=AuditChannel.API,
                 changes={"value": Decimal("2")})

    response = post_row(client_for(cast.staff_a), cast, period,
                        {number_indicator: {"value": "3", "version": str(seen_version)}})

    assert response.status_code == 200
    assert "đã được người khác thay đổi" in response.content.decode()
    value.refresh_from_db()
    assert value.value == Decimal("2")


def test_in_english_the_workspace_reads_the_english_way(cast, period, number_indicator, settings):
    client = client_for(cast.staff_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    page = client.get(ENTRY).content.decode()
    post_row(client, cast, period, {number_indicator: {"value": "1,234.5"}})

    assert "Save and submit" in page
    assert IndicatorValue.objects.get(indicator=number_indicator).value == Decimal("1234.5")


def test_half_years_and_nine_months_are_offered_and_named():
    from datetime import date

    from django.utils import translation

    from indicators.periods import PeriodType
    from indicators.workspace import period_choices, previous_period

    with translation.override("vi"):
        choices = dict(period_choices([PeriodType.HALF_YEAR, PeriodType.NINE_MONTHS], date(2026, 12, 2)))
    assert choices["2026S2"] == "6 tháng cuối năm 2026" and choices["2026M9"] == "9 tháng năm 2026"
    assert previous_period("2026S1") == "2025S2" and previous_period("2026M9") == "2025M9"


# --- the review queue, a page at a time -----------------------------------------------------------


def _queue_of(cast, groups, size=7, unit=None, days_ago=30, first_year=2000):
    """Store `groups` groups (one unit, one year each from `first_year`) of `size` submitted values, group 0 the
    oldest.

    Straight into the table (the services are covered above): a queue of hundreds in a fraction of a second."""
    from datetime import timedelta

    from indicators.periods import parse_period

    indicators = [IndicatorFactory(value_type="number", aggregation="sum") for _n in range(size)]
    began = timezone.now() - timedelta(days=days_ago)
    rows = []
    for group in range(groups):
        code = str(first_year + group)
        period = parse_period(code)
        for place, indicator in enumerate(indicators):
            at = began + timedelta(minutes=group, seconds=place)
            rows.append(IndicatorValue(
                indicator=indicator, unit=unit or cast.unit_a, period=code, period_start=period.start,
                period_end=period.end, due_date=period.end, value=place, state=ValueState.SUBMITTED,
                created_by=cast.staff_a, updated_by=cast.staff_a, first_submitted_at=at, submitted_at=at))
    IndicatorValue.objects.bulk_create(rows)
    return [str(first_year + group) for group in range(groups)]


def _headings(page):
    import re

    return re.findall(r'<h2 id="ws-group-\d+" class="ws-heading">[^<]*· Năm (\d{4})</h2>', page)


@pytest.mark.parametrize("groups", [12, 43])
def test_review_page_reads_the_same_queries_and_rows_at_84_and_301_values(cast, groups, django_assert_num_queries):
    _queue_of(cast, groups)
    client = client_for(cast.reviewer)

    # As for a short queue, plus 10 the count of the waiting values (capped): the queue is longer than a page.
    with django_assert_num_queries(10):
        response = client.get(REVIEW)

    page = response.content.decode()
    # 50 values end inside the 8th group of 7: the page runs on to finish it, and stops there.
    assert page.count('<article class="ws-row"') == 56
    assert _headings(page) == [str(2000 + group) for group in range(8)]
    assert f"{groups * 7} số liệu đang chờ duyệt" in page
    assert 'href="?page=2"' in page and "Trang sau" in page and "Trang trước" not in page


def test_review_page_two_starts_with_the_next_oldest_group(cast):
    _queue_of(cast, 20)
    client = client_for(cast.reviewer)

    second = client.get(f"{REVIEW}?page=2").content.decode()
    third = client.get(f"{REVIEW}?page=3").content.decode()

    assert _headings(second) == [str(2000 + group) for group in range(8, 15)]  # rows 56-104, 49 of them
    assert second.count('<article class="ws-row"') == 49
    assert "Trang trước" in second and 'href="?page=3"' in second
    assert _headings(third)[0] == "2015" and "Trang sau" not in third


def test_choosing_rows_on_page_two_approves_those_rows_only(cast):
    _queue_of(cast, 20)
    client = client_for(cast.reviewer)
    second = [value.pk for value in IndicatorValue.objects.order_by("submitted_at", "pk")[56:58]]

    response = client.post(f"{REVIEW}?page=2", {"approve_chosen": "1", "chosen": second})

    assert response.status_code == 302 and response["Location"].endswith("?page=2")
    approved = IndicatorValue.objects.filter(state=ValueState.APPROVED)
    assert sorted(approved.values_list("pk", flat=True)) == sorted(second)
    assert IndicatorValue.objects.filter(state=ValueState.SUBMITTED).count() == 20 * 7 - 2


def test_review_filters_narrow_the_queue_to_a_unit_and_a_period(cast):
    _queue_of(cast, 3, size=2)
    _queue_of(cast, 2, size=2, unit=cast.unit_b)
    client = client_for(cast.reviewer)

    by_unit = client.get(f"{REVIEW}?unit={cast.unit_b.pk}").content.decode()
    by_both = client.get(f"{REVIEW}?unit={cast.unit_a.pk}&period=2001").content.decode()

    assert _headings(by_unit) == ["2000", "2001"] and "Sở B · Năm" in by_unit and "Sở A · Năm" not in by_unit
    assert "4 số liệu đang chờ duyệt (theo bộ lọc)" in by_unit
    assert _headings(by_both) == ["2001"] and "Sở A · Năm 2001" in by_both and "Sở B" not in _group_text(by_both)
    assert '<option value="2001" selected>2001</option>' in by_both


def _group_text(page):
    return page[page.index('class="ws-review"'):] if 'class="ws-review"' in page else ""


def test_past_the_count_cap_the_queue_says_more_than(cast, monkeypatch):
    import indicators.workspace

    monkeypatch.setattr(indicators.workspace, "COUNT_CAP", 60)
    _queue_of(cast, 10)

    page = client_for(cast.reviewer).get(REVIEW).content.decode()

    assert "Hơn 60 số liệu đang chờ duyệt" in page


def test_in_english_the_queue_pages_read_the_english_way(cast, settings):
    _queue_of(cast, 100, size=14)  # 1,400 values
    client = client_for(cast.reviewer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    page = client.get(f"{REVIEW}?page=2").content.decode()

    assert "1,400 values waiting for review" in page and "Page 2" in page
    assert "Previous page" in page and "Next page" in page and "All units" in page
