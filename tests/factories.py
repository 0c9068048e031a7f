"""factory_boy factories and the fixed cast every permission test uses."""

from dataclasses import dataclass
from datetime import date

import factory
from django.contrib.auth import get_user_model

from departments.models import ApiResource, Role, Unit, UnitKind
from departments.services import api_key_create, user_set_role

PASSWORD = "correct horse battery staple"


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    code = factory.Sequence(lambda n: f"U{n:04d}")
    name = factory.Sequence(lambda n: f"Đơn vị {n}")
    kind = UnitKind.DEPARTMENT
    valid_from = date(2020, 1, 1)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Nguyễn"
    last_name = factory.Sequence(lambda n: f"Văn {n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.invalid")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def role(user, create, extracted, **kwargs):
        if extracted:
            user_set_role(user=user, role=extracted)

    @factory.post_generation
    def units(user, create, extracted, **kwargs):
        for unit in extracted or ():
            user.memberships.create(unit=unit)


ALL_SCOPES = [f"{resource.value}:{access}" for resource in ApiResource for access in ("read", "write")]


def make_api_key(*, units, scopes=ALL_SCOPES, name="test-system", **kwargs):
    """Return (api_key, secret) for a fresh external-system account."""
    account = UserFactory(role=Role.EXTERNAL_SYSTEM, username=f"{name}-account")
    return api_key_create(name=name, service_account=account, scopes=scopes, units=units, **kwargs)


@dataclass
class Cast:
    """Healthchecks-style fixed cast: two units, their staff, a reviewer, an admin and a system."""

    province: Unit
    unit_a: Unit
    unit_b: Unit
    staff_a: object
    staff_b: object
    reviewer: object
    admin: object
    system_key: object
    system_secret: str

    ROLES = ("anonymous", "staff_a", "staff_b", "reviewer", "admin", "system")


def build_cast():
    province = UnitFactory(code="P", name="Tỉnh Thử nghiệm", kind=UnitKind.PROVINCE)
    unit_a = UnitFactory(code="A", name="Sở A", parent=province)
    unit_b = UnitFactory(code="B", name="Sở B", parent=province)
    # The system of unit A writes the dossiers of the one-stop system "motcua" (the source the tests push).
    system_key, system_secret = make_api_key(units=[unit_a], name="system-a", sources=["motcua"])
    return Cast(
        province=province,
        unit_a=unit_a,
        unit_b=unit_b,
        staff_a=UserFactory(username="staff_a", role=Role.STAFF, units=[unit_a]),
        staff_b=UserFactory(username="staff_b", role=Role.STAFF, units=[unit_b]),
        reviewer=UserFactory(username="reviewer", role=Role.REVIEWER, units=[province]),
        admin=UserFactory(username="admin", role=Role.ADMIN),
        system_key=system_key,
        system_secret=system_secret,
    )


# --- indicators -------------------------------------------------------------------------------

from indicators.models import Framework, Indicator, Pillar, Target  # noqa: E402
from regimes.models import Regime  # noqa: E402
from regimes.services import seeded_regime  # noqa: E402


class RegimeFactory(factory.django.DjangoModelFactory):
    """A calendar regime due on the 15th of the month after the period (the tests' plain case)."""

    class Meta:
        model = Regime
        django_get_or_create = ("code",)

    code = "test-lich"
    name = "Chế độ báo cáo thử (kỳ theo lịch, hạn ngày 15 tháng sau)"
    legal_basis = "Dữ liệu thử"
    frequencies = factory.LazyFunction(lambda: ["month", "quarter", "half_year", "nine_months", "year"])
    window_kind = "calendar"
    deadline_kind = "fixed_day"
    deadline_day = 15
    deadline_month_offset = 1
    reminder_days_before = factory.LazyFunction(lambda: [3])


def dx_regime():
    """Return the province's DX regime as regimes 0002 seeds it (again, if a transactional test flushed it)."""
    return seeded_regime("bao-cao-cds-tinh")


class FrameworkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Framework

    code = factory.Sequence(lambda n: f"fw-{n}")
    name = factory.Sequence(lambda n: f"Khung chỉ tiêu {n}")
    deadline_days = 15
    regime = factory.SubFactory(RegimeFactory)


class PillarFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pillar

    framework = factory.SubFactory(FrameworkFactory)
    code = factory.Sequence(lambda n: f"pillar-{n}")
    name = factory.Sequence(lambda n: f"Trụ cột {n}")


class IndicatorFactory(factory.django.DjangoModelFactory):
    """A yearly percentage reported by departments, scored against its target (the common case)."""

    class Meta:
        model = Indicator

    framework = factory.SubFactory(FrameworkFactory)
    pillar = factory.SubFactory(PillarFactory, framework=factory.SelfAttribute("..framework"))
    code = factory.Sequence(lambda n: f"IND-{n:03d}")
    name = factory.Sequence(lambda n: f"Chỉ tiêu {n}")
    value_type = "percent"
    period_type = "year"
    unit_kinds = factory.LazyFunction(lambda: ["department"])
    aggregation = "sum_ratio"
    max_points = 10
    scoring_rule = "ratio_to_target"


class TargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Target

    indicator = factory.SubFactory(IndicatorFactory)
    year = 2025
    value = 80
    decision = "Quyết định 749/QĐ-TTg"


# --- procedures -------------------------------------------------------------------------------

from procedures.models import Procedure, ProcedureField  # noqa: E402


class ProcedureFieldFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProcedureField
        django_get_or_create = ["code"]

    code = "G03-GD10"
    name = "Giáo dục và Đào tạo"


class ProcedureFactory(factory.django.DjangoModelFactory):
    """A fully online provincial procedure; save() keeps the full-online flag in step with the level."""

    class Meta:
        model = Procedure

    code = factory.Sequence(lambda n: f"1.{n:06d}.H42")
    name = factory.Sequence(lambda n: f"Thủ tục {n}")
    field = factory.SubFactory(ProcedureFieldFactory)
    department = factory.SubFactory(UnitFactory)
    at_province = True
    online_level = "full"
    active_from = date(2020, 1, 1)
