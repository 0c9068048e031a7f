"""Units are written through `unit_save`: the admin form, its bulk delete and the seeding all ask it."""

import pytest
from django.test import Client

from departments.models import Unit, UnitKind
from departments.policy import Actor
from departments.services import unit_save, unit_upsert
from kernel.errors import NotAllowed, ServiceError
from tests.factories import UnitFactory

pytestmark = pytest.mark.django_db

BACKEND = "django.contrib.auth.backends.ModelBackend"
UNITS = "/admin/departments/unit/"


def admin_client(user):
    client = Client()
    client.force_login(user, backend=BACKEND)
    return client


def unit_form(unit, **changes):
    return {"code": unit.code, "name": unit.name, "name_en": "", "kind": unit.kind,
            "parent": unit.parent_id or "", "valid_from": unit.valid_from.strftime("%d/%m/%Y"), "valid_to": "",
            "successor": unit.successor_id or "", **changes}


def form_errors(response):
    if response.status_code == 302:
        return {}
    return {field: list(messages) for field, messages in response.context["adminform"].form.errors.items()}


def test_unit_admin_refuses_a_parent_below_the_unit(cast):
    office = UnitFactory(code="A-VP", kind=UnitKind.AGENCY, parent=cast.unit_a)
    response = admin_client(cast.admin).post(f"{UNITS}{cast.unit_a.pk}/change/", unit_form(cast.unit_a,
                                                                                              parent=office.pk))
    assert list(form_errors(response)) == ["parent"]
    cast.unit_a.refresh_from_db()
    office.refresh_from_db()
    assert (cast.unit_a.parent_id, cast.unit_a.path, office.path) == (cast.province.pk, "/P/A/", "/P/A/A-VP/")


def test_unit_admin_refuses_the_unit_as_its_own_successor(cast):
    response = admin_client(cast.admin).post(f"{UNITS}{cast.unit_b.pk}/change/",
                                             unit_form(cast.unit_b, successor=cast.unit_b.pk))
    assert form_errors(response) == {"successor": ["Đơn vị không thể kế thừa chính nó."]}
    assert Unit.objects.get(pk=cast.unit_b.pk).successor_id is None


def test_unit_admin_moves_a_unit_and_its_subtree_through_the_service(cast):
    office = UnitFactory(code="A-VP", kind=UnitKind.AGENCY, parent=cast.unit_a)
    response = admin_client(cast.admin).post(f"{UNITS}{cast.unit_a.pk}/change/",
                                             unit_form(cast.unit_a, parent=cast.unit_b.pk))
    assert response.status_code == 302, form_errors(response)
    office.refresh_from_db()
    assert office.path == "/P/B/A/A-VP/"


def test_unit_save_is_for_administrators_only(cast):
    cast.unit_a.name = "Sở A mới"
    with pytest.raises(NotAllowed):
        unit_save(unit=cast.unit_a, actor=Actor(cast.staff_a))
    assert Unit.objects.get(pk=cast.unit_a.pk).name == "Sở A"


def test_seeding_checks_units_like_the_admin(cast):
    with pytest.raises(ServiceError) as refused:
        unit_upsert(code="P", name="Tỉnh", kind=UnitKind.PROVINCE, parent=cast.unit_a,
                    valid_from=cast.province.valid_from)
    assert refused.value.field == "parent"
