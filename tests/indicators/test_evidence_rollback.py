"""An evidence file stored inside a transaction that rolls back does not stay on disk.

Real commits and rollbacks (transactional_db): the file is written before its row, and a later refusal in the
same transaction (the next row of the workspace, a service refusing later) undoes the row.
"""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.utils import timezone

from departments.policy import Actor
from indicators.models import AuditChannel, Evidence, IndicatorValue
from indicators.selectors import last_finished_period
from indicators.services import evidence_add, value_create
from kernel.errors import ServiceError
from kernel.files import uncommitted_files_removed
from tests.factories import IndicatorFactory

pytestmark = pytest.mark.django_db(transaction=True)

BACKEND = "django.contrib.auth.backends.ModelBackend"
PDF = b"%PDF-1.4 bien ban\n%%EOF\n"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


def files_in(media):
    return sorted(str(path.relative_to(media)) for path in media.rglob("*") if path.is_file())


def client_for(user):
    client = Client()
    client.force_login(user, backend=BACKEND)
    return client


@pytest.fixture
def period():
    return last_finished_period("year", timezone.localdate())


def test_workspace_row_refused_after_another_rows_upload_leaves_no_file(cast, period, media):
    with_file = IndicatorFactory(code="RB-NUM", value_type="number", aggregation="sum")
    needs_file = IndicatorFactory(code="RB-PCT", evidence_required=True)

    response = client_for(cast.staff_a).post("/workspace/", {
        "unit": cast.unit_a.pk, "period": period, "submit": "1",
        f"i{with_file.pk}-value": "12", f"i{with_file.pk}-evidence": SimpleUploadedFile("bien-ban.pdf", PDF),
        f"i{needs_file.pk}-value": "50",  # no evidence: its submission is refused, and the whole form with it
    })

    assert response.status_code == 200 and "bắt buộc có minh chứng" in response.content.decode()
    assert not IndicatorValue.objects.exists() and not Evidence.objects.exists()
    assert files_in(media) == []


def test_outside_a_request_the_context_manager_removes_what_a_rollback_left(cast, media):
    value = value_create(indicator=IndicatorFactory(code="RB-SVC"), unit=cast.unit_a, period="2023",
                         numerator=1, denominator=2, actor=Actor(cast.staff_a), channel=AuditChannel.API)

    with uncommitted_files_removed(), pytest.raises(ServiceError), transaction.atomic():
        evidence_add(value=value, upload=SimpleUploadedFile("a.pdf", PDF), actor=Actor(cast.staff_a),
                     channel=AuditChannel.API)
        assert len(files_in(media)) == 1  # on disk while the transaction is open
        raise ServiceError("refused after the upload")

    assert files_in(media) == []


def test_a_committed_upload_keeps_its_file(cast, media):
    value = value_create(indicator=IndicatorFactory(code="RB-OK"), unit=cast.unit_a, period="2023",
                         numerator=1, denominator=2, actor=Actor(cast.staff_a), channel=AuditChannel.API)

    with uncommitted_files_removed(), transaction.atomic():
        evidence = evidence_add(value=value, upload=SimpleUploadedFile("a.pdf", PDF), actor=Actor(cast.staff_a),
                                channel=AuditChannel.API)

    assert files_in(media) == [evidence.file.name]
    assert Path(media, evidence.file.name).read_bytes() == PDF
