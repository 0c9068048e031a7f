import copy
from datetime import date

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.test import Client

from departments.demo import seed_organisation
from departments.models import Unit, UnitKind, UnitSuccession, UnitVersion
from departments.policy import Actor
from departments.register import LAST_DAY_BEFORE_REFORM, REFORM_DAY, register_load, register_read
from kernel.bilingual import both_languages
from kernel.errors import NotAllowed, ServiceError

pytestmark = pytest.mark.django_db

TODAY = date(2026, 1, 15)
OLD_NINH_BINH_AREA = ["T35", "T36", "T37-CU"]


@pytest.fixture(scope="module")
def shipped():
    return register_read()


@pytest.fixture
def data(shipped):
    return copy.deepcopy(shipped)


def newer_copy(data, version="1.0.5"):
    data["version"], data["label"] = version, f"vietnamadminunits {version}"
    return data


def table_sizes():
    return Unit.objects.count(), UnitVersion.objects.count(), UnitSuccession.objects.count()


def test_ninh_binh_has_129_communes_today_after_loading_province_37(data):
    register_load(data=data, province_codes=["37"])
    ninh_binh = Unit.objects.get(code="T37")
    assert (ninh_binh.stats_code, ninh_binh.admin_type, ninh_binh.valid_from) == ("37", "Tỉnh", REFORM_DAY)
    communes = Unit.objects.valid_on(TODAY).filter(parent=ninh_binh, kind=UnitKind.COMMUNE)
    assert communes.count() == 129
    assert communes.filter(admin_type="Xã").count() == 97
    assert communes.filter(admin_type="Phường").count() == 32
    assert all(len(unit.stats_code) == 5 for unit in communes)


def test_the_three_old_provinces_close_on_30_june_2025_with_successors(data):
    register_load(data=data, province_codes=["37"])
    old_provinces = Unit.objects.filter(code__in=OLD_NINH_BINH_AREA)
    assert sorted(old_provinces.values_list("stats_code", flat=True)) == ["35", "36", "37"]
    assert {(u.valid_to, u.successor.code) for u in old_provinces} == {(LAST_DAY_BEFORE_REFORM, "T37")}
    old_units = Unit.objects.filter(path__regex=r"^/(T35|T36|T37-CU)/.+")
    districts, communes = old_units.filter(kind=UnitKind.DISTRICT), old_units.filter(kind=UnitKind.COMMUNE)
    assert districts.count() == 22 and communes.count() == 398
    assert not old_units.exclude(valid_to=LAST_DAY_BEFORE_REFORM).exists()
    assert not old_units.filter(successor__isnull=True).exists()
    assert set(districts.values_list("successor__code", flat=True)) == {"T37"}
    assert set(communes.values_list("successor__parent__code", flat=True)) == {"T37"}
    assert not Unit.objects.valid_on(TODAY).filter(code__in=OLD_NINH_BINH_AREA).exists()


def test_a_split_commune_has_several_successions_and_one_main(data):
    register_load(data=data, province_codes=["37"])
    split = Unit.objects.filter(code__startswith="H", kind=UnitKind.COMMUNE, successions__is_main=False).first()
    assert split is not None
    successions = list(split.successions.all())
    assert len(successions) >= 2
    mains = [row for row in successions if row.is_main]
    assert len(mains) == 1 and mains[0].successor_id == split.successor_id
    assert {row.valid_from for row in successions} == {REFORM_DAY}


def test_loading_again_changes_nothing(data):
    register_load(data=data, province_codes=["37"])
    before = table_sizes()
    summary = register_load(data=data, province_codes=["37"])
    assert table_sizes() == before
    assert not summary.changed
    assert summary.levels["commune"].unchanged == 527 and summary.levels["commune"].updated == 0
    assert summary.versions_created == 0 and summary.successions_created == 0


def test_a_rename_in_a_newer_register_opens_a_version_and_keeps_the_old(data):
    register_load(data=data, province_codes=["37"])
    row = next(row for row in data["communes"] if row[3] == "37" and row[2] == "Xã")
    code, old_name = f"X37-{row[0]}", row[1]
    row[1], row[2] = "Phường Đổi Tên", "Phường"  # renamed and made a ward
    summary = register_load(data=newer_copy(data), province_codes=["37"], as_of=date(2026, 3, 1))
    assert summary.levels["commune"].updated == 1 and summary.versions_created == 1
    unit = Unit.objects.get(code=code)
    assert (unit.name, unit.admin_type, unit.register_version) == ("Phường Đổi Tên", "Phường",
                                                                    "vietnamadminunits 1.0.5")
    history = list(unit.versions.order_by("valid_from").values_list("name", "admin_type", "valid_from", "valid_to"))
    assert history == [(old_name, "Xã", REFORM_DAY, date(2026, 2, 28)),
                       ("Phường Đổi Tên", "Phường", date(2026, 3, 1), None)]


def test_a_commune_the_newer_register_drops_is_closed(data):
    register_load(data=data, province_codes=["37"])
    dropped, kept = [row for row in data["communes"] if row[3] == "37"][:2]
    data["communes"].remove(dropped)
    for row in data["legacy_communes"]:
        row[5] = [code for code in row[5] if code != dropped[0]] or [kept[0]]
    summary = register_load(data=newer_copy(data), province_codes=["37"], as_of=date(2026, 3, 1))
    assert summary.levels["commune"].closed == 1
    assert Unit.objects.get(code=f"X37-{dropped[0]}").valid_to == date(2026, 2, 28)


def test_dry_run_writes_nothing(data):
    summary = register_load(data=data, province_codes=["37"], dry_run=True)
    assert summary.levels["commune"].created == 527
    assert table_sizes() == (0, 0, 0)


def test_an_older_register_version_is_refused(data):
    register_load(data=newer_copy(copy.deepcopy(data)), province_codes=["37"])
    before = table_sizes()
    with pytest.raises(ServiceError) as refused:
        register_load(data=data, province_codes=["37"])
    assert refused.value.field == "file" and refused.value.code == "older_version"
    assert both_languages(refused.value.message)["message_en"] == (
        "Register version vietnamadminunits 1.0.4 is older than the loaded version vietnamadminunits 1.0.5.")
    assert table_sizes() == before


def test_a_file_of_another_format_is_refused(data, tmp_path):
    data["format"] = "something-else/9"
    with pytest.raises(ServiceError) as refused:
        register_load(data=data)
    assert refused.value.field == "file"
    not_gzip = tmp_path / "register.json.gz"
    not_gzip.write_text("{}")
    with pytest.raises(ServiceError):
        register_read(not_gzip)


def test_a_file_naming_a_successor_it_does_not_list_is_refused(data):
    data["legacy_communes"][0][5] = ["99999"]
    with pytest.raises(ServiceError) as refused:
        register_load(data=data, province_codes=["01"])
    assert refused.value.field == "file" and refused.value.code == "inconsistent"


def test_an_unknown_province_code_is_refused(data):
    with pytest.raises(ServiceError) as refused:
        register_load(data=data, province_codes=["36"])  # Nam Định no longer exists
    assert refused.value.field == "province_codes"


def test_only_administrators_load_the_register(data, cast):
    with pytest.raises(NotAllowed):
        register_load(data=data, province_codes=["37"], actor=Actor(user=cast.reviewer))
    register_load(data=data, province_codes=["37"], dry_run=True, actor=Actor(user=cast.admin))


def test_demo_units_are_matched_not_duplicated(data):
    seed_organisation()  # the demo loads the register around its departments
    before = table_sizes()
    assert not register_load(data=data, province_codes=["37"]).changed
    assert table_sizes() == before
    for code, stats_code in [("T36", "36"), ("T37", "37"), ("H356", "356")]:
        unit = Unit.objects.get(code=code)
        assert unit.stats_code == stats_code and unit.register_version == "vietnamadminunits 1.0.4"
    assert Unit.objects.filter(kind=UnitKind.PROVINCE, stats_code="36").count() == 1
    assert Unit.objects.get(code="T36-STTTT").parent.code == "T36"  # the departments stay where they were


def test_a_whole_province_loads_in_a_bounded_number_of_queries(data, django_assert_max_num_queries):
    # Measured 14 then 8: transaction, lock, loaded versions, existing units, their versions, one insert
    # per tier (five tiers), absent units, one insert of versions, successions read and inserted.
    # The same for 527 units as for 13,356 (the whole country only adds insert batches of 2,000).
    with django_assert_max_num_queries(16):
        register_load(data=data, province_codes=["37"])
    with django_assert_max_num_queries(10):
        register_load(data=data, province_codes=["37"])


def test_a_statistics_code_names_one_unit_of_a_level_at_a_time(data):
    register_load(data=data, province_codes=["37"])
    with pytest.raises(IntegrityError), transaction.atomic():
        Unit.objects.create(code="T37-COPY", name="Bản sao", kind=UnitKind.PROVINCE, stats_code="37",
                            valid_from=date(2026, 1, 1))


def test_the_command_prints_the_summary(capsys):
    call_command("register_load", "--province", "37", "--dry-run")
    out = capsys.readouterr().out
    assert "Xã, phường, thị trấn: tạo mới 527" in out and Unit.objects.count() == 0


def test_administrators_load_the_register_from_the_unit_admin(cast):
    client = Client()
    client.force_login(cast.admin, backend="django.contrib.auth.backends.ModelBackend")
    assert "Nạp danh mục đơn vị hành chính" in client.get("/admin/departments/unit/").content.decode()
    page = client.post("/admin/departments/unit/register-load/", {"province_codes": "37", "dry_run": ""})
    assert page.status_code == 200 and "Xã, phường, thị trấn: tạo mới 527" in page.content.decode()
    assert Unit.objects.filter(code="T37").exists()
    refused = client.post("/admin/departments/unit/register-load/", {"province_codes": "99"})
    assert "99" in refused.content.decode() and refused.status_code == 200


def test_staff_cannot_open_the_register_page(cast):
    client = Client()
    client.force_login(cast.staff_a, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get("/admin/departments/unit/register-load/").status_code == 403


def test_a_province_the_reform_left_alone_stays_one_open_unit(data):
    register_load(data=data, province_codes=["01"])
    hanoi = Unit.objects.get(code="T01")
    assert (hanoi.valid_to, hanoi.successor, hanoi.stats_code) == (None, None, "01")
    assert not Unit.objects.filter(code="T01-CU").exists()
    districts = Unit.objects.filter(parent=hanoi, kind=UnitKind.DISTRICT)
    assert districts.count() == 30
    assert set(districts.values_list("valid_to", "successor__code")) == {(LAST_DAY_BEFORE_REFORM, "T01")}
    assert Unit.objects.valid_on(TODAY).filter(parent=hanoi, kind=UnitKind.COMMUNE).count() == 126


def test_a_correction_of_a_closed_unit_keeps_the_earlier_record(data):
    register_load(data=data, province_codes=["37"])
    row = next(row for row in data["legacy_communes"] if row[4] == "36")
    code, old_name = f"H{row[3]}-{row[0]}", row[1]
    row[1] = "Xã Tên Đã Sửa"
    summary = register_load(data=newer_copy(data), province_codes=["37"], as_of=date(2026, 3, 1))
    assert summary.levels["commune"].updated == 1
    history = list(Unit.objects.get(code=code).versions.order_by("recorded_at", "pk").values_list(
        "name", "valid_to"))
    assert history == [(old_name, LAST_DAY_BEFORE_REFORM), ("Xã Tên Đã Sửa", LAST_DAY_BEFORE_REFORM)]
