"""Limits on what a request may make the server hold: upload bytes, spreadsheet shape, JSON nesting, page numbers.

Memory is measured, not assumed: a thread samples the process's resident set while the request runs,
and the growth above the level before it must stay under a small bound. Before the fix a 1.6 KB
workbook declaring 4,000 × 16,384 cells took the web process past 1 GB, and a big CSV body was read
whole (and decoded, and split) before anything looked at its size.
"""

import gc
import io
import sys
import threading
import zipfile

import openpyxl
import psutil
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client

from departments.policy import Actor
from dxportal.wsgi import application
from indicators.models import IndicatorValue
from indicators.services import value_create
from kernel import tabular
from kernel.errors import ServiceError

from ..factories import IndicatorFactory, ProcedureFactory

pytestmark = pytest.mark.django_db
MEMORY_BOUND = 50 * 1024 * 1024
BACKEND = "django.contrib.auth.backends.ModelBackend"
VALUES_IMPORT_PAGE = "/admin/indicators/indicatorvalue/import/"
DOSSIER_UPLOAD_PAGE = "/admin/procedures/dossierimport/upload/"
VALUES_IMPORT_API = "/api/v1/indicator-values/import/"
DOSSIER_IMPORT_API = "/api/v1/dossiers/import/"


class PeakMemory:
    """Sample this process's RSS every few milliseconds; `growth` is the peak above the level at entry."""

    def __enter__(self):
        gc.collect()
        self.process = psutil.Process()
        self.baseline = self.peak = self.process.memory_info().rss
        self.running = True
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()
        return self

    def _sample(self):
        while self.running:
            self.peak = max(self.peak, self.process.memory_info().rss)
            threading.Event().wait(0.002)

    def __exit__(self, *exc):
        self.running = False
        self.thread.join()
        self.peak = max(self.peak, self.process.memory_info().rss)

    @property
    def growth(self):
        return self.peak - self.baseline


# --- crafted files ---------------------------------------------------------------------------------

SHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _inline(ref, text):
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def xlsx_with_sheet(header, body_xml, dimension="A1:XFD4000"):
    """Return a real workbook whose first sheet's XML is replaced: a declared dimension and rows as given."""
    book = openpyxl.Workbook()
    book.active.append(["placeholder"])
    plain = io.BytesIO()
    book.save(plain)
    header_xml = "".join(_inline(f"{chr(ord('A') + i)}1", name) for i, name in enumerate(header))
    sheet = (f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{SHEET_NS}"><dimension ref="{dimension}"/>'
             f'<sheetData><row r="1">{header_xml}</row>{body_xml}</sheetData></worksheet>')
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(plain.getvalue())) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = sheet.encode() if item.filename == "xl/worksheets/sheet1.xml" else source.read(item)
            target.writestr(item.filename, data)
    return out.getvalue()


def xlsx_bomb(header):
    """A tiny workbook declaring A1:XFD4000, with cells at XFD (column 16,384) on every row."""
    rows = "".join(f'<row r="{n}"><c r="XFD{n}"><v>1</v></c></row>' for n in range(2, 4001))
    return xlsx_with_sheet(header, rows)


VALUE_HEADER = ["indicator", "unit", "period", "numerator", "denominator", "value", "note"]
DOSSIER_HEADER = ["code", "procedure", "unit", "channel", "received_at", "due_at"]


class LazyBody:
    """A WSGI input that makes its bytes as they are read: the test itself holds none of them."""

    LINE = b"FIBRE,A,2023,90,100,,ghi chu cho dong nay\n"

    def __init__(self, size, head=b"indicator,unit,period,numerator,denominator,value,note\n"):
        self.size, self.sent, self.head = size, 0, head

    def read(self, size=-1):
        left = self.size - self.sent
        size = left if size is None or size < 0 else min(size, left)
        if size <= 0:
            return b""
        head = self.head if self.sent == 0 else b""
        self.sent += size
        return (head + self.LINE * (size // len(self.LINE) + 1))[:size]

    def readline(self, size=-1):
        return self.read(min(size, 4096) if size and size > 0 else 4096)


@pytest.fixture
def wsgi_in_test_transaction():
    """Keep the test's connection open across WSGI requests, as Django's own test client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def wsgi_post(path, body, *, content_type, authorization):
    """POST through the real WSGI application with a body made while it is read; return the status code."""
    environ = {
        "REQUEST_METHOD": "POST", "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "testserver",
        "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0), "wsgi.url_scheme": "http", "wsgi.input": body, "wsgi.errors": sys.stderr,
        "wsgi.multithread": False, "wsgi.multiprocess": False, "wsgi.run_once": False,
        "CONTENT_TYPE": content_type, "CONTENT_LENGTH": str(body.size), "HTTP_AUTHORIZATION": authorization,
    }
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer["status"] = int(status.split()[0])

    response = application(environ, start_response)
    b"".join(response)
    response.close()
    return answer["status"]


def logged_in(user):
    client = Client()
    client.force_login(user, backend=BACKEND)
    return client


# --- finding: uploads and imports hold bounded memory ----------------------------------------------


def test_xlsx_bomb_on_the_values_import_page_keeps_memory_small(cast):
    IndicatorFactory(code="FIBRE")
    bomb = xlsx_bomb(VALUE_HEADER)
    assert len(bomb) < 64 * 1024
    client = logged_in(cast.staff_a)
    with PeakMemory() as memory:
        response = client.post(VALUES_IMPORT_PAGE, {"file": SimpleUploadedFile("so-lieu.xlsx", bomb)})
    assert response.status_code == 200
    assert memory.growth < MEMORY_BOUND, f"grew {memory.growth / 2**20:.0f} MB"
    assert not IndicatorValue.objects.exists()


def test_xlsx_bomb_on_the_dossier_upload_keeps_memory_small(cast):
    ProcedureFactory(code="1.000001.H42")
    bomb = xlsx_bomb(DOSSIER_HEADER)
    client = logged_in(cast.admin)
    with PeakMemory() as memory:
        response = client.post(DOSSIER_UPLOAD_PAGE, {"file": SimpleUploadedFile("ho-so.xlsx", bomb),
                                                     "source": "motcua"})
    assert response.status_code == 200
    assert memory.growth < MEMORY_BOUND, f"grew {memory.growth / 2**20:.0f} MB"


def test_big_csv_body_to_the_values_import_is_413_before_it_is_read(cast, wsgi_in_test_transaction):
    IndicatorFactory(code="FIBRE")
    body = LazyBody(48 * 1024 * 1024)
    with PeakMemory() as memory:
        status = wsgi_post(VALUES_IMPORT_API, body, content_type="text/csv",
                           authorization=f"Api-Key {cast.system_secret}")
    assert memory.growth < MEMORY_BOUND, f"grew {memory.growth / 2**20:.0f} MB"
    assert status == 413
    assert body.sent < 1024 * 1024  # not read at all, beyond what a server may buffer


@pytest.mark.parametrize("path, content_type", [
    (VALUES_IMPORT_API, "application/json"),
    (VALUES_IMPORT_API, "multipart/form-data; boundary=xyz"),
    (DOSSIER_IMPORT_API, "text/csv"),
])
def test_every_api_import_answers_413_over_the_byte_limit(cast, settings, client_as, path, content_type):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = client_as("system").generic("POST", path, b"x" * 2000, content_type=content_type)
    assert response.status_code == 413 and response.json()["code"] == "too_large"


def test_evidence_upload_over_the_byte_limit_is_413_before_it_is_stored(cast, settings, client_as, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    indicator = IndicatorFactory(code="FIBRE")
    value = value_create(indicator=indicator, unit=cast.unit_a, period="2023", actor=Actor(cast.staff_a),
                         channel="api", numerator=1, denominator=2)
    upload = SimpleUploadedFile("bien-ban.pdf", b"%PDF-1.4 " + b"x" * 5000)
    response = client_as("staff_a").post(f"/api/v1/indicator-values/{value.pk}/evidence/", {"file": upload},
                                         format="multipart")
    assert response.status_code == 413 and response.json()["code"] == "too_large"
    assert not value.evidence.exists()


def test_upload_pages_refuse_files_over_the_byte_limit_as_a_form_error(cast, settings):
    settings.TABULAR_MAX_BYTES = 100
    big = ",".join(VALUE_HEADER).encode() + b"\n" + b"FIBRE,A,2023,1,2,,\n" * 20
    page = logged_in(cast.staff_a).post(VALUES_IMPORT_PAGE, {"file": SimpleUploadedFile("so-lieu.csv", big)})
    assert "quá lớn" in " ".join(page.context["form"].errors["file"])
    dossiers = logged_in(cast.admin).post(DOSSIER_UPLOAD_PAGE, {"file": SimpleUploadedFile("ho-so.csv", big),
                                                                "source": "motcua"})
    assert "quá lớn" in " ".join(dossiers.context["form"].errors["file"])


def test_xlsx_reader_never_reads_past_the_column_cap():
    bomb = xlsx_bomb(VALUE_HEADER)
    assert tabular.read_xlsx_rows(io.BytesIO(bomb), required=["indicator"], columns=8) == []


def test_xlsx_reader_stops_at_the_row_cap_while_reading():
    rows = "".join(f'<row r="{n}">{_inline(f"A{n}", "FIBRE")}</row>' for n in range(2, 40))
    with pytest.raises(tabular.TooLarge) as refused:
        tabular.read_xlsx_rows(io.BytesIO(xlsx_with_sheet(VALUE_HEADER, rows)), required=["indicator"], max_rows=10)
    assert refused.value.code == "too_many_rows" and refused.value.status == 413


def test_xlsx_reader_refuses_a_sheet_with_rows_past_excels_last_row():
    far = f'<row r="2000000">{_inline("A2000000", "FIBRE")}</row>'
    with pytest.raises(tabular.TooLarge):
        tabular.read_xlsx_rows(io.BytesIO(xlsx_with_sheet(VALUE_HEADER, far)), required=["indicator"])


def test_xlsx_reader_refuses_a_row_with_too_many_cells():
    wide = '<row r="2">' + "".join(f'<c r="A2"><v>{n}</v></c>' for n in range(5000)) + "</row>"
    with pytest.raises(tabular.TooLarge) as refused:
        tabular.read_xlsx_rows(io.BytesIO(xlsx_with_sheet(VALUE_HEADER, wide)), required=["indicator"])
    assert refused.value.code == "too_many_columns"


def test_csv_reader_stops_at_the_row_cap_and_the_column_cap():
    many_rows = SimpleUploadedFile("a.csv", b"indicator,unit,period\n" + b"F,A,2023\n" * 11)
    with pytest.raises(tabular.TooLarge):
        tabular.read_upload_rows(many_rows, required=["indicator"], max_rows=10)
    wide = SimpleUploadedFile("a.csv", b",".join(b"c%d" % n for n in range(100)) + b"\n")
    with pytest.raises(tabular.TooLarge):
        tabular.read_upload_rows(wide, required=["c1"])


def test_both_file_types_read_alike_with_one_cell_text():
    from datetime import datetime

    book = openpyxl.Workbook()
    book.active.append(["code", "flag", "at", "count", "note"])
    book.active.append(["HS-1", True, datetime(2023, 8, 1, 8, 30), 3.0, "  có\tdấu  "])
    out = io.BytesIO()
    book.save(out)
    from_xlsx = tabular.read_upload_rows(SimpleUploadedFile("a.xlsx", out.getvalue()), required=["code"])
    csv_text = "code,flag,at,count,note\nHS-1,true,2023-08-01T08:30:00,3,  có\tdấu  \n".encode()
    from_csv = tabular.read_upload_rows(SimpleUploadedFile("a.csv", csv_text), required=["code"])
    assert from_xlsx == from_csv == [{"code": "HS-1", "flag": "true", "at": "2023-08-01T08:30:00", "count": "3",
                                      "note": "có\tdấu"}]


def test_nul_in_either_file_type_is_a_file_error():
    # XML cannot hold a NUL at all: in a workbook it makes the sheet unreadable, in a CSV it is named.
    cell = _inline("A2", "HS\x001")
    book = xlsx_with_sheet(["code"], f'<row r="2">{cell}</row>', dimension="A1:A2")
    for upload in (SimpleUploadedFile("a.xlsx", book), SimpleUploadedFile("a.csv", b"code\nHS\x001\n")):
        with pytest.raises(ServiceError) as refused:
            tabular.read_upload_rows(upload, required=["code"])
        assert refused.value.field == "file" and refused.value.code in ("encoding", "unreadable")


# --- finding: deep JSON and odd page numbers are 400s, not 500s --------------------------------------

DEEP = b"[" * 100_000


def _assert_usual_400(response):
    assert response.status_code == 400, response.content[:300]
    body = response.json()
    assert set(body) >= {"status", "code", "message", "message_en", "errors"} and body["status"] == 400


@pytest.fixture
def value(cast):
    indicator = IndicatorFactory(code="FIBRE")
    return value_create(indicator=indicator, unit=cast.unit_a, period="2023", actor=Actor(cast.staff_a),
                        channel="api", numerator=1, denominator=2)


@pytest.mark.parametrize("method, path, role", [
    ("POST", VALUES_IMPORT_API, "staff_a"),
    ("POST", "/api/v1/indicator-values/", "staff_a"),
    ("PATCH", "/api/v1/indicator-values/{pk}/", "staff_a"),
    ("POST", "/api/v1/indicator-values/{pk}/comments/", "staff_a"),
    ("POST", "/api/v1/reports/", "admin"),
    ("POST", "/api/v1/targets/", "admin"),
    ("POST", DOSSIER_IMPORT_API, "system"),
])
@pytest.mark.parametrize("body", [DEEP, b'{"values": ' + b"[" * 40 + b"]" * 40 + b"}"])
def test_deeply_nested_json_is_400_on_every_write(value, client_as, method, path, role, body):
    response = client_as(role).generic(method, path.format(pk=value.pk), body, content_type="application/json")
    _assert_usual_400(response)


LISTS = ["/api/v1/units/", "/api/v1/frameworks/", "/api/v1/indicators/", "/api/v1/targets/",
         "/api/v1/indicator-values/", "/api/v1/procedures/", "/api/v1/dossiers/", "/api/v1/reports/"]


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("query", ["page_size=²", "page_size=٣", "page=١", "page=²"])
def test_page_numbers_in_other_digits_are_400_on_every_list(cast, client_as, path, query):
    _assert_usual_400(client_as("admin").get(f"{path}?{query}"))


def test_ascii_page_numbers_still_work(cast, client_as):
    assert client_as("admin").get("/api/v1/units/?page=1&page_size=2").status_code == 200
    assert client_as("admin").get("/api/v1/units/?page=last").status_code == 200


def test_json_just_under_the_depth_limit_still_parses(cast, client_as):
    body = b'{"values": [{"indicator": "X", "unit": "A", "period": "2023"}]}'
    response = client_as("staff_a").generic("POST", VALUES_IMPORT_API, body, content_type="application/json")
    assert response.status_code in (200, 400) and "summary" in response.json()
