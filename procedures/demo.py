"""Demo procedures and dossiers for Nam Định, shaped after the seed article's figures.

District- and commune-level dossiers go to Nam Định's real districts and communes of 2023 as the register
loaded them (`departments.demo`); a district draws dossiers in proportion to its number of communes.

The catalogue holds real procedure names of the departments' fields (codes and dates are illustrative):
about 70% fully online, the rest partly online or offline, some raised to full online after Decree
42/2022 took effect on 15 August 2022. The dossiers are received from 1 January to 31 August 2023;
at the article's 183,600 they give 175,080 processed, 99.84% of them on time or early.

Every catalogue write goes through `procedure_save` and every dossier through `dossiers_import`, as the
demo one-stop system, so the demo exercises the same paths as real data. Running it again changes nothing.
"""

import json
import random
from bisect import bisect
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate, islice
from pathlib import Path

from departments.demo import DEMO_DOSSIER_SOURCE
from departments.models import ApiKey, UnitKind
from departments.policy import Actor
from indicators.models import AuditChannel

from .computed import computed_indicators_refresh
from .ingest import dossiers_import
from .models import Dossier, OnlineLevel, Procedure, ProcedureField
from .services import procedure_save

CATALOGUE_FILE = Path(__file__).parent / "demo_data" / "catalogue.json"
SOURCE = DEMO_DOSSIER_SOURCE  # recorded on the demo key, which may push only its own source
SEED = 20230831
BATCH = 10_000
FIRST_DAY, LAST_DAY = date(2023, 1, 1), date(2023, 8, 31)
DAY = 24 * 60  # dossier times are minutes from FIRST_DAY 00:00, Vietnam time (UTC+7, no summer time)
DAYS_RECEIVING = (LAST_DAY - FIRST_DAY).days + 1
LAST_MINUTE = DAYS_RECEIVING * DAY - 1
ISO_DAYS = [(FIRST_DAY + timedelta(days=n)).isoformat() for n in range(DAYS_RECEIVING + 60)]
SHORT_DAYS = [(FIRST_DAY + timedelta(days=n)).strftime("%y%m%d") for n in range(DAYS_RECEIVING)]
DECREE_42_DAY = date(2022, 8, 15)
DECREE_224_DAY = date(2026, 7, 1)
# Under Decree 224/2026 full online is the duty: most partial services were raised, a few keep "partial" with the
# legal reason published on the national portal; some full ones became proactive (levels 1–4).
KEPT_PARTIAL_SHARE, PROACTIVE_SHARE = 0.35, 0.3
PARTIAL_REASONS = [
    "Luật Hộ tịch 2014, Điều 18: người yêu cầu phải có mặt khi đăng ký (dữ liệu minh họa)",
    "Luật Công chứng 2024: chứng thực chữ ký phải ký trước mặt người thực hiện chứng thực (dữ liệu minh họa)",
    "Nghị định 23/2015/NĐ-CP: xuất trình bản chính khi chứng thực bản sao (dữ liệu minh họa)",
]
# The article, to August 2023: 183,600 received, 175,080 processed, 99.84% of them on time or early.
ARTICLE_RECEIVED, ARTICLE_PROCESSED, ARTICLE_ON_TIME = 183_600, 175_080, 0.9984
FULL_ONLINE_SHARE, PARTIAL_SHARE = 0.70, 0.22
ABOLISHED = 6  # a few procedures abolished at the start of 2024, so past coverage differs from today's
P, D, C = "province", "district", "commune"

FEES = ["Không", "Không", "2.000 đồng/trang", "8.000 đồng/bản", "50.000 đồng/hồ sơ", "100.000 đồng/hồ sơ",
        "200.000 đồng/lần", "500.000 đồng/giấy phép"]
PROCESSING_DAYS = [1, 3, 5, 7, 10, 15, 20]
# The procedures most people need carry most dossiers, as on any one-stop portal (relative weights).
BUSIEST = {
    "Chứng thực bản sao từ bản chính giấy tờ, văn bản do cơ quan có thẩm quyền của Việt Nam cấp": 60,
    "Đăng ký khai sinh": 40,
    "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam, người nước ngoài đang cư trú tại Việt Nam": 30,
    "Chứng thực chữ ký trong các giấy tờ, văn bản": 20,
    "Liên thông đăng ký khai sinh, đăng ký thường trú, cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi": 20,
    "Đăng ký kết hôn": 15,
    "Cấp Giấy xác nhận tình trạng hôn nhân": 15,
    "Cấp bản sao Trích lục hộ tịch": 15,
    "Chứng thực hợp đồng, giao dịch liên quan đến thực hiện quyền của người sử dụng đất": 15,
    "Đăng ký thành lập hộ kinh doanh": 15,
    "Đăng ký khai tử": 12,
    "Liên thông đăng ký khai tử, xóa đăng ký thường trú, hưởng chế độ tử tuất": 8,
    "Đăng ký thay đổi nội dung đăng ký hộ kinh doanh": 8,
    "Đăng ký thành lập công ty trách nhiệm hữu hạn một thành viên": 8,
    "Thông báo thay đổi ngành, nghề kinh doanh": 5,
    "Đăng ký thay đổi địa chỉ trụ sở chính của doanh nghiệp": 5,
    "Tặng Giấy khen của Chủ tịch Ủy ban nhân dân cấp xã": 4,
}
SERVICE_CENTRE = "T36-TTPVHCC"
PROVINCE = "T36"  # the dossiers are Nam Định's, received before the 2025 merge
# The two provinces merged with Nam Định into Ninh Bình get a smaller sample of district- and commune-level
# dossiers (no article gives their figures; the shares are the demo's), from their own one-stop systems, so that
# Ninh Bình's 2023 shows the three old provinces side by side (procedure-stats?breakdown=merged).
NEIGHBOURS = {"T35": ("motcua-hanam", 0.1), "T37-CU": ("motcua-ninhbinh", 0.1)}
LEVEL_NAMES = {P: "cấp tỉnh", D: "cấp huyện", C: "cấp xã"}


@dataclass(frozen=True)
class DemoProcedure:
    code: str
    name: str
    field: str
    department: str
    level: str
    weight: float


@dataclass(frozen=True)
class Places:
    """Where district- and commune-level dossiers go: districts with their weights, and communes (by code)."""

    districts: dict
    communes: list


@dataclass
class Seeded:
    procedures: int
    procedures_created: int
    dossiers: int
    dossiers_created: int
    neighbour_dossiers: int = 0


def demo_procedures():
    """Return the demo catalogue as plain records, one per procedure and implementing level."""
    records = []
    for department, fields in demo_catalogue().items():
        for field in fields:
            for group in field["groups"]:
                levels = group["levels"]
                for name in group["procedures"]:
                    for level in levels:
                        suffix = f" ({LEVEL_NAMES[level]})" if len(levels) > 1 else ""
                        code = f"1.{2000 + len(records):06d}.000.00.00.H42"
                        records.append(DemoProcedure(code, name + suffix, field["field"], department, level,
                                                     field["weight"] * BUSIEST.get(name, 1)))
    return records


def demo_places(units, province=PROVINCE):
    """Return a province's districts (weighed by their communes) and communes of 2023 among the loaded `units`."""
    province = units[province]
    district_codes = {unit.pk: code for code, unit in sorted(units.items())
                      if unit.kind == UnitKind.DISTRICT and unit.parent_id == province.pk}
    districts = dict.fromkeys(district_codes.values(), 0)
    communes = []
    for code, unit in sorted(units.items()):
        if unit.kind == UnitKind.COMMUNE and unit.parent_id in district_codes:
            districts[district_codes[unit.parent_id]] += 1
            communes.append(code)
    return Places(districts=districts, communes=communes)


def demo_catalogue():
    """Return the demo catalogue: per department, its fields with legal basis, weight and procedures by level."""
    with open(CATALOGUE_FILE, encoding="utf-8") as data:
        return json.load(data)


def seed_procedures(units, users, *, dossiers=ARTICLE_RECEIVED):
    """Create the demo catalogue and push the demo dossiers once; refresh the computed indicators."""
    admin = Actor(users["demo-admin"])
    records = demo_procedures()
    plans = _level_plans(records, random.Random(SEED))
    created = _seed_catalogue(records, plans, units, admin)
    pushed = _seed_dossiers(records, plans, demo_places(units), _system_actor(users) or admin, dossiers)
    local = [index for index, record in enumerate(records) if record.level != P]
    neighbours = 0
    for offset, (province, (source, share)) in enumerate(NEIGHBOURS.items(), start=1):
        count = round(dossiers * share)
        neighbours += count
        pushed += _seed_dossiers([records[i] for i in local], [plans[i] for i in local],
                                 demo_places(units, province), admin, count, source=source, seed=SEED + offset)
    computed_indicators_refresh(year=2023)
    return Seeded(procedures=len(records), procedures_created=created, dossiers=dossiers, dossiers_created=pushed,
                  neighbour_dossiers=neighbours)


def _system_actor(users):
    keys = ApiKey.objects.filter(service_account=users["demo-system"], revoked=False).order_by("-created")
    api_key = next((key for key in keys if SOURCE in key.source_systems()), None)
    return Actor(users["demo-system"], api_key) if api_key is not None else None


def _seed_catalogue(records, plans, units, actor):
    """Create the procedures that are missing (an administrator's later edits are kept)."""
    catalogue = [field for department_fields in demo_catalogue().values() for field in department_fields]
    fields = {
        field["field"]: ProcedureField.objects.get_or_create(code=field["field"], defaults={"name": field["name"]})[0]
        for field in catalogue
    }
    bases = {field["field"]: field["legal_basis"] for field in catalogue}
    existing = set(Procedure.objects.filter(code__in=[r.code for r in records]).values_list("code", flat=True))
    created = 0
    for record, plan in zip(records, plans, strict=True):
        if record.code in existing:
            continue
        procedure = Procedure(
            code=record.code, name=record.name, field=fields[record.field], department=units[record.department],
            at_province=record.level == P, at_district=record.level == D, at_commune=record.level == C,
            processing_time=f"{plan['days']} ngày làm việc", fee=plan["fee"], legal_basis=bases[record.field],
            publication_decision="Quyết định công bố của Chủ tịch UBND tỉnh Nam Định (dữ liệu minh họa)",
            online_level=plan["before"], legacy_level=plan["legacy"], eligible_full_online=plan["eligible"],
            mobile=plan["mobile"], on_national_portal=plan["national"], active_from=plan["active_from"],
            abolished_on=plan["abolished_on"],
        )
        procedure_save(procedure=procedure, actor=actor, channel=AuditChannel.SYSTEM)  # under Decree 43/2011
        procedure.online_level = plan["now"]
        procedure_save(procedure=procedure, actor=actor, channel=AuditChannel.SYSTEM,
                       level_changed_on=plan["changed_on"] if plan["before"] != plan["now"] else DECREE_42_DAY)
        if plan["abolished_on"] is None:
            procedure.online_level, procedure.partial_reason = plan["since_224"], plan["partial_reason"]
            procedure.proactive_level = plan["proactive"]
            procedure_save(procedure=procedure, actor=actor, channel=AuditChannel.SYSTEM,
                           level_changed_on=DECREE_224_DAY, scheme="224/2026")
        created += 1
    return created


def _level_plans(records, rng):
    """Decide each procedure's level today and before Decree 42/2022, from a fixed shuffle."""
    order = list(range(len(records)))
    rng.shuffle(order)
    full_count = round(len(records) * FULL_ONLINE_SHARE)
    partial_count = round(len(records) * PARTIAL_SHARE)
    now = {}
    for rank, index in enumerate(order):
        if rank < full_count:
            now[index] = OnlineLevel.FULL
        elif rank < full_count + partial_count:
            now[index] = OnlineLevel.PARTIAL
        else:
            now[index] = OnlineLevel.NONE
    abolished = set(order[full_count - ABOLISHED // 2:full_count + ABOLISHED - ABOLISHED // 2])
    plans = [_plan(now[index], index in abolished, rng) for index in range(len(records))]
    later = random.Random(SEED + 224)  # its own draws, so the plans before 2026 stay as they were
    for plan in plans:
        plan.update(_plan_224(plan["now"], later))
    return plans


def _plan_224(level, rng):
    """Decide the level under Decree 224/2026: partial only with a legal reason, some proactive services."""
    if level == OnlineLevel.PARTIAL:
        if rng.random() < KEPT_PARTIAL_SHARE:
            return {"since_224": level, "partial_reason": rng.choice(PARTIAL_REASONS), "proactive": None}
        level = OnlineLevel.FULL
    proactive = rng.choice([1, 2, 3, 4]) if level == OnlineLevel.FULL and rng.random() < PROACTIVE_SHARE else None
    return {"since_224": level, "partial_reason": "", "proactive": proactive}


def _plan(level, abolished, rng):
    # Before Decree 42/2022 the level was 1–4; level 4 became full online, 3 partial, 1–2 none.
    if level == OnlineLevel.FULL:
        raised = rng.random() < 0.4
        before, legacy = (OnlineLevel.PARTIAL, 3) if raised else (OnlineLevel.FULL, 4)
    elif level == OnlineLevel.PARTIAL:
        raised = rng.random() < 0.2
        before, legacy = (OnlineLevel.NONE, 2) if raised else (OnlineLevel.PARTIAL, 3)
    else:
        before, legacy = OnlineLevel.NONE, rng.choice([1, 2])
    online = level != OnlineLevel.NONE
    return {
        "now": level, "before": before, "legacy": legacy,
        "changed_on": DECREE_42_DAY + timedelta(days=rng.randrange(0, 120)),
        "active_from": date(2019, 6, 1) + timedelta(days=rng.randrange(0, 730)),
        "abolished_on": date(2024, 1, 1) if abolished else None,
        "days": rng.choice(PROCESSING_DAYS), "fee": rng.choice(FEES),
        "eligible": level == OnlineLevel.FULL or (online and rng.random() < 0.4),
        "mobile": online and rng.random() < (0.9 if level == OnlineLevel.FULL else 0.5),
        "national": online and rng.random() < 0.85,
    }


def _seed_dossiers(records, plans, places, actor, count, *, source=SOURCE, seed=SEED):
    """Push `count` dossiers in batches, unless exactly those are already there; return how many were created."""
    if count <= 0 or Dossier.objects.filter(source=source).count() == count:
        return 0
    rows = DossierPlan(records, plans, places, count, seed=seed).rows()
    created = 0
    while batch := list(islice(rows, BATCH)):
        summary = dossiers_import(rows=batch, source=source, actor=actor, channel=AuditChannel.SYSTEM, refresh=False)
        created += summary["counts"]["created"]
    return created


class DossierPlan:
    """Deterministic dossiers whose totals follow the article's proportions for any count.

    Times are minutes from 1 January 2023 00:00 local time until the rows are written: plain integers
    sort and format far faster than datetimes, which matters at 183,600 rows.
    """

    def __init__(self, records, plans, places, count, *, seed=SEED):
        self.rng = random.Random(seed + count)
        self.count = count
        self.records, self.plans = records, plans
        self.cumulative = _cumulative([r.weight * min(self.rng.paretovariate(3), 3) for r in records])
        self.district_cumulative = _cumulative(places.districts.values())
        self.districts = list(places.districts)
        self.communes = places.communes

    def rows(self):
        """Yield the rows in the order received (a generator: only one batch is ever held as dicts)."""
        drafts = sorted(self._draft() for _ in range(self.count))
        outcomes = self._outcomes(drafts)
        sequence = {}
        for index, (received, due, record_index, unit_code, channel) in enumerate(drafts):
            key = (unit_code, received // DAY)
            sequence[key] = sequence.get(key, 0) + 1
            code = f"{unit_code}-{SHORT_DAYS[received // DAY]}-{sequence[key]:05d}"
            yield self._row(code, received, due, record_index, unit_code, channel, outcomes.get(index, "on_time"))

    def _draft(self):
        random_ = self.rng.random
        record_index = bisect(self.cumulative, random_() * self.cumulative[-1])
        plan = self.plans[record_index]
        channel = self._channel(plan["now"])
        day = int(random_() * DAYS_RECEIVING)
        if channel == "online":
            minute = 6 * 60 + int(random_() * 17 * 60)
        else:
            day += (day % 7 == 0 and day < DAYS_RECEIVING - 1)  # offices are closed on Sundays (day 0 is one)
            minute = 7 * 60 + int(random_() * 10 * 60)
        # Working days to calendar days, roughly; results are due at 17:00.
        due = (day + (plan["days"] * 7 + 4) // 5) * DAY + 17 * 60
        return day * DAY + minute, due, record_index, self._unit(self.records[record_index]), channel

    def _channel(self, level):
        online_share = {OnlineLevel.FULL: 0.65, OnlineLevel.PARTIAL: 0.35}.get(level, 0)
        draw = self.rng.random()
        return "online" if draw < online_share else ("post" if draw < online_share + 0.05 else "in_person")

    def _unit(self, record):
        draw = self.rng.random()
        if record.level == P:
            return SERVICE_CENTRE if draw < 0.3 else record.department
        if record.level == D:
            return self.districts[bisect(self.district_cumulative, draw * self.district_cumulative[-1])]
        return self.communes[int(draw * len(self.communes))]

    def _outcomes(self, drafts):
        """Pending: the latest received; withdrawn, late and rejected drawn among the others."""
        processed = round(self.count * ARTICLE_PROCESSED / ARTICLE_RECEIVED)
        others = self.count - processed
        withdrawn = round(others * 0.05)
        pending = others - withdrawn
        late = round(processed * (1 - ARTICLE_ON_TIME))
        outcomes = {index: "pending" for index in range(self.count - pending, self.count)}
        settled = range(self.count - pending)
        for index in self.rng.sample(settled, withdrawn):
            outcomes[index] = "withdrawn"
        can_be_late = [i for i in settled if i not in outcomes and drafts[i][1] + 3 * DAY < LAST_MINUTE]
        for index in self.rng.sample(can_be_late, min(late, len(can_be_late))):
            outcomes[index] = "late"
        on_time = [i for i in settled if i not in outcomes]
        for index in self.rng.sample(on_time, round(len(on_time) * 0.015)):
            outcomes[index] = "rejected"
        return outcomes

    def _row(self, code, received, due, record_index, unit_code, channel, fate):
        random_, plan = self.rng.random, self.plans[record_index]
        if fate == "pending":
            completed, outcome = None, "pending"
        elif fate == "late":
            # Finished on a later day than due: live systems count a dossier finished on its due day as on time.
            completed, outcome = (due // DAY + 1) * DAY + 7 * 60 + int(random_() * 56 * 60), "resolved"
        elif fate == "withdrawn":
            completed, outcome = min(received + 120, LAST_MINUTE), "withdrawn"
        else:
            completed = min(received + int((due - received) * (0.15 + 0.83 * random_())), LAST_MINUTE)
            outcome = "resolved" if fate == "on_time" else fate
        fee = plan["fee"] != "Không"
        online = channel == "online"
        processed = outcome in ("resolved", "rejected")
        row = {
            "code": code, "procedure": self.records[record_index].code, "unit": unit_code, "channel": channel,
            "received_at": _stamp(received), "due_at": _stamp(due),
            "completed_at": _stamp(completed) if completed is not None else "", "outcome": outcome,
            "fee_required": fee, "paid_online": fee and online and random_() < 0.6,
            "digitized": random_() < (0.85 if online else 0.6),
            "e_result": processed and random_() < (0.8 if plan["now"] == OnlineLevel.FULL else 0.3),
        }
        row["status"] = _status(outcome, row["e_result"])
        return row


def _status(outcome, e_result):
    """Return the national status a demo dossier stands at: a result handed out electronically was returned."""
    if outcome == "resolved":
        return "10" if e_result else "9"
    return {"pending": "4", "rejected": "9", "withdrawn": "7"}[outcome]


def _stamp(minute):
    day, minute = divmod(minute, DAY)
    return f"{ISO_DAYS[day]}T{minute // 60:02d}:{minute % 60:02d}:00+07:00"


def _cumulative(weights):
    return list(accumulate(weights))
