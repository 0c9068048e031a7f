import io
from datetime import date, datetime, timedelta
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook

from departments.policy import Actor
from procedures.ingest import dossiers_import
from procedures.models import Dossier, DossierImport, Procedure, ProcedureChange, Score766Rule
from procedures.services import procedure_save
from tests.factories import ProcedureFactory, ProcedureFieldFactory, UnitFactory

pytestmark = pytest.mark.django_db

BACKEND = "django.contrib.auth.backends.ModelBackend"
UPLOAD = "/admin/procedures/dossierimport/upload/"
HEADER = "code,procedure,unit,channel,received_at,due_at,completed_at,outcome,fee_required,digitized\n"
GOOD = "HS-1,1.000001.H42,A,online,2023-08-01T08:00:00+07:00,2023-08-10T17:00:00+07:00,,pending,1,có\n"
BAD = "HS-2,1.000001.H42,A,fax,2023-08-01T08:00:00+07:00,2023-08-10T17:00:00+07:00,,pending,0,0\n"


def login(user):
    client = Client()
    client.force_login(user, backend=BACKEND)
    return client


def form_errors(response):
    return response.context["adminform"].form.errors if response.context else response.status_code


def change_url(procedure):
    return f"/admin/procedures/procedure/{procedure.pk}/change/"


class FormReader(HTMLParser):
    """Collect what a browser would submit from the page's main form."""

    def __init__(self):
        super().__init__()
        self.data, self._select, self._textarea = {}, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button", "file"):
            if attrs.get("type") != "checkbox":
                self.data[name] = attrs.get("value", "")
            elif "checked" in attrs:
                self.data[name] = attrs.get("value", "on")
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in attrs:
            self.data[self._select] = attrs.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += data.lstrip("\n") if not self.data[self._textarea] else data


def form_of(response):
    reader = FormReader()
    reader.feed(response.content.decode())
    reader.data.pop("csrfmiddlewaretoken", None)
    return reader.data


@pytest.fixture
def procedures(cast):
    """Two partly online procedures, one per unit, saved through the service so they have a level history."""
    field, admin = ProcedureFieldFactory(), Actor(cast.admin)
    own = ProcedureFactory.build(code="1.000001.H42", field=field, department=cast.unit_a, online_level="partial",
                                 legacy_level=3)
    other = ProcedureFactory.build(code="1.000002.H42", field=field, department=cast.unit_b, online_level="partial")
    return tuple(procedure_save(procedure=p, actor=admin, channel="system") for p in (own, other))


def push(cast, rows, **kwargs):
    return dossiers_import(rows=rows, source="motcua", actor=Actor(cast.admin), channel="api", **kwargs)


def dossier_row(code, unit, procedure="1.000001.H42", day=1):
    received = f"2023-08-{day:02d}T08:00:00+07:00"
    return {"code": code, "procedure": procedure, "unit": unit, "channel": "online", "received_at": received,
            "due_at": "2023-08-28T17:00:00+07:00", "completed_at": None, "outcome": "pending"}


# --- the catalogue ------------------------------------------------------------------------------


def test_staff_edits_own_departments_procedure_and_the_audit_records_it(cast, procedures):
    own, _other = procedures
    client = login(cast.staff_a)
    page = client.get(change_url(own))
    assert 'name="_save"' in page.content.decode()
    data = {**form_of(page), "online_level": "full", "level_changed_on": "2023-03-01", "mobile": "on"}
    response = client.post(change_url(own), data)
    assert response.status_code == 302, form_errors(response)
    own.refresh_from_db()
    assert (own.online_level, own.full_online, own.mobile, own.version) == ("full", True, True, 2)
    assert ProcedureChange.objects.filter(procedure=own).count() == 2  # created, then this edit
    change = ProcedureChange.objects.filter(procedure=own).latest("pk")
    assert change.actor == cast.staff_a and change.channel == "admin"
    assert change.before["online_level"] == "partial" and change.after["online_level"] == "full"
    periods = list(own.level_periods.order_by("valid_from").values_list("online_level", "valid_from", "valid_to"))
    assert periods[-1] == ("full", date(2023, 3, 1), None) and periods[-2][2] == date(2023, 2, 28)
    history = client.get(change_url(own)).content.decode()
    assert "lịch sử thay đổi" in history.lower() and "Toàn trình" in history


def test_staff_cannot_edit_another_departments_procedure(cast, procedures):
    own, other = procedures
    client = login(cast.staff_a)
    page = client.get(change_url(other))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()  # view-only
    data = {**form_of(client.get(change_url(own))), "online_level": "full"}
    assert client.post(change_url(other), data).status_code == 403
    other.refresh_from_db()
    assert other.online_level == "partial" and ProcedureChange.objects.filter(procedure=other).count() == 1


def test_staff_cannot_hand_a_procedure_to_another_unit(cast, procedures):
    own, _other = procedures
    client = login(cast.staff_a)
    data = {**form_of(client.get(change_url(own))), "department": str(cast.unit_b.pk)}
    response = client.post(change_url(own), data)
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    own.refresh_from_db()
    assert own.department == cast.unit_a and own.version == 1


def test_staff_autocomplete_offers_fields_and_only_their_units(cast, procedures):
    client = login(cast.staff_a)
    url = "/admin/autocomplete/?app_label=procedures&model_name=procedure&field_name="
    assert client.get(url + "field").status_code == 200
    units = {row["text"] for row in client.get(url + "department").json()["results"]}
    assert any("Sở A" in text for text in units) and not any("Sở B" in text for text in units)


def test_reviewer_views_procedures_but_cannot_change_them(cast, procedures):
    own, _other = procedures
    client = login(cast.reviewer)
    listing = client.get("/admin/procedures/procedure/").content.decode()
    assert "1.000001.H42" in listing and "1.000002.H42" in listing
    assert 'name="_save"' not in client.get(change_url(own)).content.decode()
    assert client.post(change_url(own), {"name": "x"}).status_code == 403
    assert client.get("/admin/procedures/procedure/add/").status_code == 403


def test_staff_filter_narrows_the_catalogue_to_their_units(cast, procedures):
    listing = login(cast.staff_a).get("/admin/procedures/procedure/?own=1").content.decode()
    assert "1.000001.H42" in listing and "1.000002.H42" not in listing


def test_a_level_change_dated_before_the_current_level_is_refused(cast, procedures):
    own, _other = procedures
    client = login(cast.admin)
    data = {**form_of(client.get(change_url(own))), "online_level": "full", "level_changed_on": "2019-01-01"}
    response = client.post(change_url(own), data, follow=True)
    assert "Ngày đổi mức độ phải sau ngày bắt đầu" in response.content.decode()
    own.refresh_from_db()
    assert own.online_level == "partial" and own.version == 1
    assert own.level_periods.count() == 1


def test_admin_adds_a_procedure_through_the_service(cast, procedures):
    client = login(cast.admin)
    own, _other = procedures
    data = {**form_of(client.get("/admin/procedures/procedure/add/")), "code": "1.000003.000.00.00.H42",
            "name": "Đăng ký khai sinh", "field": str(own.field_id), "department": str(cast.unit_a.pk),
            "at_commune": "on", "online_level": "full", "active_from": "2023-01-01"}
    response = client.post("/admin/procedures/procedure/add/", data)
    assert response.status_code == 302, form_errors(response)
    created = Procedure.objects.get(code="1.000003.000.00.00.H42")
    assert created.full_online and created.changes.get().actor == cast.admin
    assert created.level_periods.get().valid_from == date(2023, 1, 1)


def test_nobody_deletes_a_procedure(cast, procedures):
    own, _other = procedures
    assert login(cast.admin).get(f"/admin/procedures/procedure/{own.pk}/delete/").status_code == 403


# --- dossiers, imports, statistics, rules ------------------------------------------------------


def test_staff_see_their_units_dossiers_and_reviewers_see_all(cast, procedures):
    push(cast, [dossier_row("HS-A", "A"), dossier_row("HS-B", "B", procedure="1.000002.H42")])
    staff_page = login(cast.staff_a).get("/admin/procedures/dossier/").content.decode()
    assert "HS-A" in staff_page and "HS-B" not in staff_page
    reviewer_page = login(cast.reviewer).get("/admin/procedures/dossier/").content.decode()
    assert "HS-A" in reviewer_page and "HS-B" in reviewer_page
    other = Dossier.objects.get(code="HS-B")
    assert login(cast.staff_a).get(f"/admin/procedures/dossier/{other.pk}/change/").status_code in (302, 404)
    assert 'name="_save"' not in login(cast.admin).get(f"/admin/procedures/dossier/{other.pk}/change/").content.decode()


@pytest.mark.parametrize("url", ["/admin/procedures/dossierimport/", "/admin/procedures/dossiermonthstat/"])
def test_imports_and_statistics_are_for_reviewers_and_administrators(cast, procedures, url):
    push(cast, [dossier_row("HS-A", "A")])
    assert login(cast.staff_a).get(url).status_code == 403
    assert login(cast.reviewer).get(url).status_code == 200
    assert login(cast.admin).get(url).status_code == 200


def test_only_administrators_change_the_766_rules(cast):
    rule = Score766Rule.objects.first()
    url = f"/admin/procedures/score766rule/{rule.pk}/change/"
    assert 'name="_save"' in login(cast.admin).get(url).content.decode()
    assert 'name="_save"' not in login(cast.reviewer).get(url).content.decode()
    assert login(cast.staff_a).get(url).status_code == 403
    response = login(cast.admin).post(url, {"component": rule.component, "metric": rule.metric, "max_points": "9",
                                            "full_at": rule.full_at, "note": "điều chỉnh thử"})
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.max_points == 9


# --- the upload page ----------------------------------------------------------------------------


def upload(client, content, name="ho-so.csv", **options):
    data = {"file": SimpleUploadedFile(name, content), "source": "motcua", **options}
    return client.post(UPLOAD, data)


def xlsx(rows):
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize("role, status", [("staff_a", 403), ("reviewer", 403), ("admin", 200)])
def test_only_administrators_upload_dossiers(cast, role, status):
    assert login(getattr(cast, role)).get(UPLOAD).status_code == status
    assert Client().get(UPLOAD).status_code == 302  # to the login page


def test_upload_with_a_bad_row_writes_nothing(cast, procedures):
    response = upload(login(cast.admin), (HEADER + GOOD + BAD).encode())
    page = response.content.decode()
    assert "không ghi hồ sơ nào" in page
    assert response.context["summary"]["status"] == "rejected"
    assert response.context["conflicts"] == [
        {"row": 2, "field": "channel", "message": "Kênh nộp không hợp lệ: in_person, online hoặc post."}]
    assert Dossier.objects.count() == 0 and DossierImport.objects.count() == 0


def test_upload_of_the_valid_rows_only(cast, procedures):
    response = upload(login(cast.admin), (HEADER + GOOD + BAD).encode(), partial="on")
    summary = response.context["summary"]
    assert summary["status"] == "partial" and summary["counts"]["created"] == 1 and summary["counts"]["rejected"] == 1
    assert list(Dossier.objects.values_list("code", flat=True)) == ["HS-1"]
    batch = DossierImport.objects.get()
    assert (batch.actor, batch.channel, batch.created, batch.rejected) == (cast.admin, "admin", 1, 1)


def test_upload_dry_run_writes_nothing(cast, procedures):
    response = upload(login(cast.admin), ("\ufeff" + HEADER + GOOD).encode(), dry_run="on")
    assert response.context["summary"]["counts"]["created"] == 1 and "Chạy thử" in response.content.decode()
    assert Dossier.objects.count() == 0


def test_uploading_the_same_file_twice_changes_nothing(cast, procedures):
    client = login(cast.admin)
    upload(client, (HEADER + GOOD).encode())
    second = upload(client, (HEADER + GOOD).encode()).context["summary"]["counts"]
    assert (second["created"], second["unchanged"]) == (0, 1) and Dossier.objects.count() == 1


def test_xlsx_upload_with_dates_and_flags_as_excel_stores_them(cast, procedures):
    received = datetime(2023, 8, 1, 8, 30)
    content = xlsx([
        ["code", "procedure", "unit", "channel", "received_at", "due_at", "completed_at", "outcome", "e_result"],
        ["HS-X1", "1.000001.H42", "A", "in_person", received, received + timedelta(days=3),
         received + timedelta(days=1), "resolved", True],
        [12345, "1.000001.H42", "A", "post", received, received + timedelta(days=3), None, "pending", False],
        [None, None, None, None, None, None, None, None, None],  # Excel's trailing blank row
    ])
    summary = upload(login(cast.admin), content, name="ho-so.xlsx").context["summary"]
    assert summary["counts"]["created"] == 2, summary
    stored = Dossier.objects.get(code="HS-X1")
    assert stored.e_result and stored.received_at == datetime.fromisoformat("2023-08-01T08:30:00+07:00")
    assert Dossier.objects.filter(code="12345").exists()


def test_xlsx_with_a_bad_row_writes_nothing(cast, procedures):
    content = xlsx([["code", "procedure", "unit", "channel", "received_at", "due_at"],
                    ["HS-1", "1.000001.H42", "A", "online", "2023-08-01", "2023-07-01"]])
    response = upload(login(cast.admin), content, name="ho-so.xlsx")
    assert response.context["conflicts"][0]["field"] == "due_at" and Dossier.objects.count() == 0


@pytest.mark.parametrize("content, name, message", [
    (b"", "empty.csv", "Tệp rỗng."),
    (b"not a workbook", "broken.xlsx", "Không đọc được tệp Excel (.xlsx)."),  # one reader, one message
    (b"code,unit\nA,B\n", "few.csv", "Thiếu cột bắt buộc"),
])
def test_unreadable_uploads_say_why(cast, content, name, message):
    response = upload(login(cast.admin), content, name=name)
    assert response.status_code == 200 and message in response.content.decode()
    assert response.context["summary"] is None and DossierImport.objects.count() == 0


def test_upload_links_show_only_to_those_who_may_upload(cast):
    assert UPLOAD in login(cast.admin).get("/admin/procedures/dossier/").content.decode()
    assert UPLOAD not in login(cast.reviewer).get("/admin/procedures/dossier/").content.decode()
    assert UPLOAD not in login(cast.reviewer).get("/admin/procedures/dossierimport/").content.decode()


# --- query counts -------------------------------------------------------------------------------


def queries_for(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def many_procedures(cast, count):
    for _ in range(count):
        ProcedureFactory(department=UnitFactory(parent=cast.province))


def many_dossiers(cast, procedures, count, start=0):
    push(cast, [dossier_row(f"HS-{n}", "A" if n % 2 else "B", "1.000001.H42" if n % 2 else "1.000002.H42",
                            day=1 + n % 28) for n in range(start, start + count)])


# Every list: session, user, the user's and the groups' permissions, the role's groups (the policy).
AUTH_QUERIES = 5


@pytest.mark.parametrize("role", ["admin", "staff_a"])
def test_procedure_changelist_queries_do_not_grow_with_rows(cast, procedures, role):
    client = login(getattr(cast, role))
    url = "/admin/procedures/procedure/"
    many_procedures(cast, 3)
    small = queries_for(client, url)
    many_procedures(cast, 30)
    # auth, department filter choices, field filter choices, count, full count, one page of procedures
    # joined with their department and field
    assert queries_for(client, url) == small == AUTH_QUERIES + 5


@pytest.mark.parametrize("role, scope_queries", [("reviewer", 0), ("staff_a", 1)])
def test_dossier_changelist_queries_do_not_grow_with_rows(cast, procedures, role, scope_queries):
    client = login(getattr(cast, role))
    url = "/admin/procedures/dossier/"
    many_dossiers(cast, procedures, 4)
    small = queries_for(client, url)
    many_dossiers(cast, procedures, 60, start=100)
    # auth, [staff: the ids of their units' subtree], filter choices: the years of the summary
    # cells, the competent and the receiving units; capped count, one page of dossiers joined with procedure,
    # competent and receiving unit
    assert queries_for(client, url) == small == AUTH_QUERIES + scope_queries + 5


def test_statistics_changelist_queries_do_not_grow_with_rows(cast, procedures):
    client = login(cast.reviewer)
    url = "/admin/procedures/dossiermonthstat/"
    many_dossiers(cast, procedures, 4)
    small = queries_for(client, url)
    many_procedures(cast, 5)
    push(cast, [dossier_row(f"HS-P{n}", "A", procedure) for n, procedure in
                enumerate(Procedure.objects.filter(department__parent=cast.province).values_list("code", flat=True))])
    # auth, unit filter choices, capped count, one page of cells joined with unit and procedure
    assert queries_for(client, url) == small == AUTH_QUERIES + 3
