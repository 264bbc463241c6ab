"""The demo city: Houma (侯马市, 141081) with its 2024 planning pool and first groundbreaking batch.

Facts come from the 2024-01-02 Linfen News report (see ../shared/domain): the nine featured project names, the
batch (20 projects, 14/3/3 by category, 115.5亿元 total, 32.8亿元 annual, 2024-01-01, one main site and three
sub-sites), the pool (187 projects, 632.23亿元), the departments and the investors 浙江东日 and 江苏国强.
Everything else (other names, amounts of single projects, codes, dates, places, owners, credit codes) is
illustrative, generated here with a seeded random generator, and marked so in the data (remarks / address).

Writes go through the services (audited with actor_label "命令 load-demo"); dictionaries and users, which have
no services yet, are written here with their audit event in the same transaction. Loading is idempotent:
objects are matched by natural keys (names, credit codes, usernames, batch name + date) and a second run
changes nothing and records no event.
"""

import datetime as dt
import hashlib
import json
import random
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction

from kaigong.accounts import services as accounts_services
from kaigong.accounts.choices import Role, UserEvent
from kaigong.accounts.models import Department, Organization, User
from kaigong.accounts.passwords import DEMO_PASSWORD  # published: refused outside the demo (accounts.middleware)
from kaigong.audit.choices import AuditAction
from kaigong.audit.services import record_event
from kaigong.core.codes import credit_code_check_char
from kaigong.projects import services
from kaigong.projects.choices import Pool, Stage
from kaigong.projects.models import Category, GroundbreakingBatch, Level, Project

DATA_FILE = Path(__file__).resolve().parent / "data" / "demo_city.json"
ACTOR_LABEL = "命令 load-demo"
SEED = 141081

# username, role, display name, department key, organization key
DEMO_USERS = [
    ("admin", Role.ADMIN, "系统管理员（示例）", None, None),
    ("office", Role.OFFICE, "项目办工作人员（示例）", None, None),
    ("dept", Role.DEPARTMENT, "市发改委经办人（示例）", "ndrc", None),
    ("leader", Role.LEADER, "市领导（示例）", None, None),
    ("enterprise", Role.ENTERPRISE, "江苏国强企业用户（示例）", None, "guoqiang"),
]

WAN = Decimal("0.01")
COORD = Decimal("0.000001")


def load_data() -> dict:
    with DATA_FILE.open(encoding="utf-8") as handle:
        return json.load(handle)


# ---------------------------------------------------------------------------------------------------------------
# Specs: the whole demo city as plain data, built deterministically before anything touches the database.


@dataclass
class OrganizationSpec:
    key: str
    name: str
    kind: str
    credit_code: str
    address: str


@dataclass
class StageStep:
    stage: str
    date: dt.date
    reason: str = ""


@dataclass
class ProjectSpec:
    name: str
    year: int
    category: str  # Category.code
    level: str  # Level.code
    department: str  # department key
    owner: str | None  # organization key
    total: Decimal
    annual: Decimal
    final_stage: str = Stage.PLANNING  # reached through ``steps`` by the stage service
    steps: list[StageStep] = field(default_factory=list)
    investors: list[str] = field(default_factory=list)
    project_code: str = ""
    liaison_leader: str = ""
    address: str = ""
    township: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    content: str = ""
    planned_start: dt.date | None = None
    planned_completion: dt.date | None = None
    registered: bool = False
    registered_on: dt.date | None = None
    pool: str = Pool.PLANNING  # the pool after all steps
    is_supplement: bool = False
    remarks: str = ""
    featured: int | None = None
    in_batch: bool = False


@dataclass
class DemoCity:
    data: dict
    organizations: list[OrganizationSpec]
    projects: list[ProjectSpec]


def make_credit_code(prefix: str, region: str, name: str) -> str:
    """An illustrative but valid GB 32100 code: registration prefix, region, a 9-character body from the name."""
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    body = "".join(str(b % 10) for b in digest[:8]) + "0123456789ABCDEFGHJKLMNPQRTUWXY"[digest[8] % 31]
    first17 = f"{prefix}{region}{body}"
    return first17 + credit_code_check_char(first17)


def _wan(value) -> Decimal:
    return Decimal(value).quantize(WAN)


def _coord(value: float) -> Decimal:
    return Decimal(str(round(value, 6))).quantize(COORD)


class _Builder:
    """Builds the DemoCity from the data file; all randomness comes from one seeded generator."""

    def __init__(self, data: dict):
        self.data = data
        self.rng = random.Random(SEED)
        self.notes = data["notes"]
        self.organizations: dict[str, OrganizationSpec] = {}
        self.projects: list[ProjectSpec] = []
        self.used_serials: set[int] = set()
        for item in data["organizations"]:
            self._organization(item["key"], item["name"], item["kind"], item["prefix"], item["region"], item["address"])

    # -- organizations ------------------------------------------------------------------------------------------
    def _organization(self, key, name, kind, prefix="91", region="141081", address="侯马市") -> str:
        if key not in self.organizations:
            self.organizations[key] = OrganizationSpec(
                key=key,
                name=name,
                kind=kind,
                credit_code=make_credit_code(prefix, region, name),
                address=address + self.notes["organization_address_suffix"],
            )
        return key

    def _generated_owner(self, brand: str, trade: str) -> str:
        name = f"侯马市{brand}{trade}有限公司"
        return self._organization(f"gen:{name}", name, "enterprise", address="侯马市")

    # -- small generators ---------------------------------------------------------------------------------------
    def _location(self) -> tuple[Decimal, Decimal]:
        lat, lon = self.data["city"]["centre"]
        return _coord(lat + self.rng.gauss(0, 0.025)), _coord(lon + self.rng.gauss(0, 0.035))

    def _project_code(self, code_year: int, trade_code: str, category: str, *, before: dt.date | None = None) -> str:
        # TTTT-141081-DD-KK-NNNNNN (see kaigong.core.codes): a code issued since November 2020 opens with year and
        # month. The month comes from the serial, so the demo's random sequence (and every figure) is unchanged;
        # a code issued in the year its project is to start is issued no later than that month. The two middle
        # segments are illustrative (an industry-like code; 03 for enterprise, 01 for government projects).
        kind = "03" if category == "industry" else "01"
        serial = self.rng.randint(100000, 999999)
        while serial in self.used_serials:
            serial = self.rng.randint(100000, 999999)
        self.used_serials.add(serial)
        month = serial % 12 + 1
        if before is not None and before.year == code_year:
            month = min(month, before.month)
        time_code = str(code_year) if code_year <= 2020 else f"{code_year % 100:02d}{month:02d}"
        return f"{time_code}-{self.data['city']['division_code']}-{trade_code}-{kind}-{serial:06d}"

    def _leader(self, category: str, total: Decimal) -> str:
        leaders = self.data["liaison_leaders"]
        if total >= 100000:
            return self.rng.choice(leaders[:4])
        by_category = {
            "industry": [leaders[3], leaders[4], leaders[8]],
            "infrastructure": [leaders[5]],
            "clean-water": [leaders[5], leaders[6]],
            "livelihood": [leaders[7]],
        }
        return self.rng.choice(by_category[category])

    def _level(self, total: Decimal) -> str:
        if total >= 100000:
            return "provincial"
        return "municipal" if total >= 30000 else "county"

    def _day(self, year: int, months=(1, 12)) -> dt.date:
        return dt.date(year, self.rng.randint(*months), self.rng.randint(1, 28))

    def _after(self, day: dt.date, low: int, high: int) -> dt.date:
        return day + dt.timedelta(days=self.rng.randint(low, high))

    # -- the batch ----------------------------------------------------------------------------------------------
    def batch_projects(self) -> None:
        batch = self.data["batch"]
        start = dt.date.fromisoformat(batch["start_date"])
        default_codes = {"infrastructure": "48", "clean-water": "77"}
        brands = self.rng.sample(self.data["vocabulary"]["brands"], len(batch["projects"]))
        for item, brand in zip(batch["projects"], brands, strict=True):
            owner = item.get("owner") or self._generated_owner(brand, item["trade"])
            total, annual = _wan(item["total"]), _wan(item["annual"])
            lat, lon = self._location()
            registered = self.rng.random() < 0.8
            self.projects.append(
                ProjectSpec(
                    name=item["name"],
                    year=start.year,
                    category=item["category"],
                    level=item["level"],
                    department=item["department"],
                    owner=owner,
                    investors=item.get("investors", []),
                    total=total,
                    annual=annual,
                    final_stage=Stage.STARTED,
                    steps=[StageStep(Stage.STARTED, start)],
                    project_code=self._project_code(
                        2023, item.get("code") or default_codes[item["category"]], item["category"], before=start
                    ),
                    liaison_leader=self._leader(item["category"], total),
                    address=item["address"],
                    latitude=lat,
                    longitude=lon,
                    content=item["content"] + "（建设规模为示例）",
                    planned_start=start,
                    planned_completion=dt.date(start.year + self.rng.randint(1, 2), 12, 31),
                    registered=registered,
                    registered_on=self._after(start, 10, 40) if registered else None,
                    pool=Pool.IMPLEMENTATION,
                    remarks=self.notes["article_project"] if item.get("article") else self.notes["illustrative"],
                    featured=item.get("featured"),
                    in_batch=True,
                )
            )

    # -- the rest of the pool -----------------------------------------------------------------------------------
    def _candidates(self) -> dict[str, list[dict]]:
        """Unique (name, owner, department, trade code, content) candidates per category, shuffled."""
        vocab = self.data["vocabulary"]
        rng = self.rng
        industry = []
        for brand in vocab["brands"]:
            for subject in vocab["industry_subjects"]:
                trade = subject["trade"]
                if subject["code"] == "44":
                    department = "energy"
                else:
                    department = rng.choices(["ndrc", "industry", "devzone", "commerce"], weights=[40, 28, 22, 10])[0]
                industry.append(
                    {
                        "name": f"{brand}{subject['subject']}项目",
                        "brand": brand,
                        "trade": trade,
                        "code": subject["code"],
                        "department": department,
                        "content": subject["content"],
                    }
                )
        infrastructure = []
        for place in vocab["infrastructure_places"]:
            for work in vocab["infrastructure_works"]:
                if "公路" in work or "公交" in work:
                    owner, department = "transport_bureau", "transport"
                elif "配电网" in work or "充电" in work:
                    owner, department = "power", "power"
                else:
                    owner = "ucic"
                    department = rng.choices(["housing", "ucic", "planning", "ndrc"], weights=[50, 25, 10, 15])[0]
                prefix = "侯马" if place == "经济开发区" else ""
                infrastructure.append(
                    {
                        "name": f"{prefix}{place}{work}",
                        "owner": owner,
                        "department": department,
                        "code": "48",
                        "content": f"{place}{work.removesuffix('工程')}，含主体工程及附属设施",
                    }
                )
        water = []
        river_works = {"生态修复工程", "河道综合治理工程", "水土保持综合治理工程"}
        for place in vocab["water_places"]:
            is_river = place.endswith(("河", "段"))
            for work in vocab["water_works"]:
                if is_river != (work in river_works):
                    continue
                owner, department = rng.choice(
                    [("water_bureau", "water"), ("housing_bureau", "environment"), ("zhengtong", "environment")]
                )
                water.append(
                    {
                        "name": f"{place}{work}",
                        "owner": owner,
                        "department": department,
                        "code": "77",
                        "content": f"{place}{work.removesuffix('工程')}，改善入黄河支流水质",
                    }
                )
        livelihood = [
            {**item, "code": "47", "content": f"{item['name']}，含主体建筑及室外配套工程"}
            for item in vocab["livelihood_projects"]
        ]
        for items in (industry, infrastructure, water, livelihood):
            rng.shuffle(items)
        return {"industry": industry, "infrastructure": infrastructure, "clean-water": water, "livelihood": livelihood}

    def _amount(self, category: str) -> Decimal:
        median, low, high = {
            "industry": (22000, 2000, 300000),
            "infrastructure": (10000, 1000, 80000),
            "clean-water": (7000, 800, 60000),
            "livelihood": (5000, 600, 50000),
        }[category]
        value = median * self.rng.lognormvariate(0, 0.9)
        return Decimal(int(min(max(value, low), high)))

    def _spec_from(self, category: str, candidate: dict, year: int, stage: str, total: Decimal) -> ProjectSpec:
        owner = candidate.get("owner") or self._generated_owner(candidate["brand"], candidate["trade"])
        lat, lon = self._location()
        spec = ProjectSpec(
            name=candidate["name"],
            year=year,
            category=category,
            level=self._level(total),
            department=candidate["department"],
            owner=owner,
            total=total,
            annual=_wan(int(total * Decimal(self.rng.uniform(0.15, 0.6)) / 10) * 10),
            liaison_leader=self._leader(category, total),
            address=("侯马经济开发区" if category == "industry" and self.rng.random() < 0.6 else "侯马市"),
            latitude=lat,
            longitude=lon,
            content=candidate["content"] + "（建设规模为示例）",
            remarks=self.notes["illustrative"],
        )
        if spec.annual == 0:
            spec.annual = spec.total
        self._plan(spec, stage, candidate["code"])
        return spec

    def _plan(self, spec: ProjectSpec, stage: str, trade_code: str) -> None:
        """Dates, stage steps, pool, code and statistics registration for a project that ends in ``stage``."""
        rng = self.rng
        year = spec.year
        continuing = stage in (Stage.CONSTRUCTION, Stage.COMPLETED, Stage.OPERATING) and rng.random() < 0.4
        spec.planned_start = self._day(year - 1 if continuing else year, (2, 10) if not continuing else (3, 9))
        spec.planned_completion = self._after(spec.planned_start, 300, 1000)
        start = self._after(spec.planned_start, -15, 45)
        prep_day = self._day(year - 1, (6, 11)) if not continuing else self._after(start, -120, -60)
        steps: list[StageStep] = []
        if stage == Stage.PREPARATION:
            steps = [StageStep(Stage.PREPARATION, prep_day)]
        elif stage == Stage.STARTED:
            steps = [StageStep(Stage.STARTED, start)]
            if rng.random() < 0.3:
                steps.insert(0, StageStep(Stage.PREPARATION, min(prep_day, start)))
        elif stage == Stage.CONSTRUCTION:
            steps = [StageStep(Stage.STARTED, start), StageStep(Stage.CONSTRUCTION, self._after(start, 30, 90))]
        elif stage in (Stage.COMPLETED, Stage.OPERATING):
            # started → completed is allowed; the fewer steps, the faster the demo loads (each is a service call)
            done = self._after(start, 240, 420)
            steps = [StageStep(Stage.STARTED, start), StageStep(Stage.COMPLETED, done)]
            if stage == Stage.OPERATING:
                steps.append(StageStep(Stage.OPERATING, self._after(done, 20, 90)))
        elif stage == Stage.PAUSED:
            reason = rng.choice(self.data["vocabulary"]["paused_reasons"])
            if rng.random() < 0.5:
                steps = [
                    StageStep(Stage.PREPARATION, prep_day),
                    StageStep(Stage.PAUSED, self._day(year, (3, 9)), reason),
                ]
            else:
                steps = [StageStep(Stage.STARTED, start), StageStep(Stage.PAUSED, self._after(start, 60, 150), reason)]
        elif stage == Stage.WITHDRAWN:
            reason = rng.choice(self.data["vocabulary"]["withdrawn_reasons"])
            steps = [StageStep(Stage.WITHDRAWN, self._day(year, (3, 10)), reason)]
            if rng.random() < 0.5:
                steps.insert(0, StageStep(Stage.PREPARATION, prep_day))
        spec.final_stage = stage
        spec.steps = steps
        started = any(s.stage in (Stage.STARTED, Stage.CONSTRUCTION) for s in steps)
        if stage == Stage.WITHDRAWN:
            spec.pool = Pool.WITHDRAWN
        elif started or (stage == Stage.PREPARATION and rng.random() < 0.6):
            spec.pool = Pool.IMPLEMENTATION
        if started or (stage != Stage.PLANNING and rng.random() < 0.7) or rng.random() < 0.1:
            code_year = min(spec.planned_start.year, year - 1) if rng.random() < 0.7 else spec.planned_start.year
            spec.project_code = self._project_code(code_year, trade_code, spec.category, before=spec.planned_start)
        if started and spec.total >= 500 and rng.random() < 0.8:
            spec.registered = True
            spec.registered_on = self._after(start, 10, 50)

    def pool_projects(self) -> None:
        pool = self.data["pool"]
        rng = self.rng
        candidates = self._candidates()
        year = pool["year"]
        generated = pool["generated_by_category"]

        # 江苏国强 owns a second 2024 project (and a 2025 one below): the enterprise user sees more than one.
        named = {"name": "国强分布式光伏电站项目", "owner": "guoqiang", "department": "energy", "code": "44"}
        named["content"] = "利用国强生产基地厂房屋顶建设分布式光伏电站"

        order: list[tuple[str, dict]] = [("industry", named)]
        for category, count in generated.items():
            take = count - 1 if category == "industry" else count
            order += [(category, candidates[category].pop()) for _ in range(take)]
        stages = [stage for stage, count in pool["stages"].items() for _ in range(count)]
        if len(stages) != len(order):
            raise ValueError("demo data: stage counts do not match the generated pool size")
        rng.shuffle(stages)
        # 投产 (operating) is for industrial projects: swap it onto one.
        for i, (category, _) in enumerate(order):
            if stages[i] == Stage.OPERATING and category != "industry":
                j = next(j for j, (c, _) in enumerate(order) if c == "industry" and stages[j] != Stage.OPERATING)
                stages[i], stages[j] = stages[j], stages[i]
        # The named 国强 project (first) is under construction.
        j = stages.index(Stage.CONSTRUCTION)
        stages[0], stages[j] = stages[j], stages[0]

        amounts = [self._amount(category) for category, _ in order]
        batch_total = sum((p.total for p in self.projects if p.year == year), Decimal(0))
        target = Decimal(pool["total_investment_wan"]) - batch_total
        amounts = _scale_to(amounts, target)

        specs = []
        for (category, candidate), stage, total in zip(order, stages, amounts, strict=True):
            spec = self._spec_from(category, candidate, year, stage, total)
            if candidate is named:
                spec.investors = ["guoqiang"]
            specs.append(spec)
        for spec in rng.sample(specs[1:], pool["supplements"]):
            spec.is_supplement = True
            spec.remarks += f"；{year}年增补项目"
        self.projects += specs

        # A few projects of the years around the pool: finished ones of 2023, planned ones of 2025.
        extra = pool["extra_years"]
        for i in range(extra["2023"]):
            category = ["industry", "industry", "industry", "infrastructure", "infrastructure", "livelihood"][i % 6]
            stage = Stage.OPERATING if category == "industry" and i % 2 == 0 else Stage.COMPLETED
            self.projects.append(
                self._spec_from(category, candidates[category].pop(), year - 1, stage, self._amount(category))
            )
        for i in range(extra["2025"]):
            category = ["industry", "infrastructure", "clean-water", "livelihood"][i % 4]
            if i == 0:
                candidate = {
                    "name": "国强新能源装备研发中心",
                    "owner": "guoqiang",
                    "department": "ndrc",
                    "code": "73",
                    "content": "建设光伏及储能装备研发中心、中试车间",
                }
            else:
                candidate = candidates[category].pop()
            spec = self._spec_from(category, candidate, year + 1, Stage.PLANNING, self._amount(category))
            if i % 3 == 2:
                spec.is_supplement = True
                spec.remarks += f"；{year + 1}年增补项目"
            self.projects.append(spec)


def _scale_to(amounts: list[Decimal], target: Decimal) -> list[Decimal]:
    """Scale amounts (万元) so that they sum to ``target`` exactly, in whole 10万元 steps but for the largest."""
    total = sum(amounts, Decimal(0))
    scaled = [max(Decimal(500), (a * target / total / 10).to_integral_value() * 10) for a in amounts]
    largest = max(range(len(scaled)), key=scaled.__getitem__)
    scaled[largest] += target - sum(scaled, Decimal(0))
    if scaled[largest] <= 0:  # pragma: no cover - guards the data file, not the code
        raise ValueError("demo data: cannot reach the pool total")
    return [_wan(a) for a in scaled]


def _township(spec: ProjectSpec, city: dict) -> str:
    """The project's 所在乡镇(街道): the one its address names, else one picked from its name's hash (not from the
    seeded generator, so every other figure of the demo stays as it was); the development zone's projects lie in
    the towns the zone spans. Illustrative."""
    named = [t for t in city["townships"] if t in spec.address]
    if named:
        return named[0]
    towns = city["development_zone_townships"] if "开发区" in spec.address else city["townships"]
    digest = hashlib.sha256(spec.name.encode("utf-8")).digest()
    return towns[digest[0] % len(towns)]


def build_demo_city(data: dict | None = None) -> DemoCity:
    """The whole demo city as specs (deterministic: the same data file gives the same city)."""
    builder = _Builder(data or load_data())
    builder.batch_projects()
    builder.pool_projects()
    names = Counter((p.name, p.year) for p in builder.projects)
    duplicates = [name for name, count in names.items() if count > 1]
    codes = Counter(p.project_code for p in builder.projects if p.project_code)
    if duplicates or any(count > 1 for count in codes.values()):
        raise ValueError(f"demo data: duplicate names or codes: {duplicates}")
    for spec in builder.projects:
        if spec.annual > spec.total:
            spec.annual = spec.total
        spec.township = _township(spec, builder.data["city"])
    return DemoCity(data=builder.data, organizations=list(builder.organizations.values()), projects=builder.projects)


# ---------------------------------------------------------------------------------------------------------------
# Loading: create what is missing, update what differs, leave the rest (and record nothing for it).


@dataclass
class DemoResult:
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    # (username, role label, where: department or organization, still has the demo password)
    users: list[tuple[str, str, str, bool]] = field(default_factory=list)
    password: str = DEMO_PASSWORD


def _record_create(obj, fields: dict, *, code: str = "") -> None:
    record_event(
        action=AuditAction.CREATE,
        actor_label=ACTOR_LABEL,
        obj=obj,
        code=code,
        changes={k: [None, str(v)] for k, v in fields.items() if v not in (None, "")},
    )


def _record_update(obj, changes: dict) -> None:
    record_event(
        action=AuditAction.UPDATE,
        actor_label=ACTOR_LABEL,
        obj=obj,
        changes={k: [str(a), str(b)] for k, (a, b) in changes.items()},
    )


def _upsert_dictionary(model, lookup: dict, values: dict, result: DemoResult, label: str, defaults=None):
    """Find by ``lookup``; create with values and defaults, or bring ``values`` up to date (defaults stay)."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **values, **(defaults or {}))
        obj.full_clean()
        obj.save()
        _record_create(obj, {**lookup, **values, **(defaults or {})})
        result.created[label] += 1
        return obj
    changes = {k: (getattr(obj, k), v) for k, v in values.items() if getattr(obj, k) != v}
    if changes:
        for k, (_, v) in changes.items():
            setattr(obj, k, v)
        obj.full_clean()
        obj.save()
        _record_update(obj, changes)
        result.updated[label] += 1
    return obj


def _load_dictionaries(city: DemoCity, result: DemoResult):
    data = city.data
    categories = {
        item["code"]: _upsert_dictionary(
            Category,
            {"code": item["code"]},
            {"name": item["name"], "sort_order": item["sort_order"], "is_active": True},
            result,
            "categories",
        )
        for item in data["categories"]
    }
    levels = {
        item["code"]: _upsert_dictionary(
            Level, {"code": item["code"]}, {"name": item["name"], "sort_order": item["sort_order"]}, result, "levels"
        )
        for item in data["levels"]
    }
    departments = {
        item["key"]: _upsert_dictionary(
            Department,
            {"name": item["name"]},
            {"short_name": item["short_name"], "sort_order": (i + 1) * 10},
            result,
            "departments",
            # Another app may have seeded the department (e.g. as an approving department): keep its kind.
            defaults={"kind": item["kind"]},
        )
        for i, item in enumerate(data["departments"])
    }
    return categories, levels, departments


def _load_organizations(city: DemoCity, result: DemoResult) -> dict[str, Organization]:
    existing = {
        o.credit_code: o
        for o in Organization.objects.filter(credit_code__in=[s.credit_code for s in city.organizations])
    }
    organizations = {}
    for spec in city.organizations:
        values = {"name": spec.name, "kind": spec.kind, "address": spec.address}
        organization = existing.get(spec.credit_code)
        if organization is None:
            organization = accounts_services.create_organization(
                data={"credit_code": spec.credit_code, **values}, actor_label=ACTOR_LABEL
            )
            result.created["organizations"] += 1
        elif any(getattr(organization, k) != v for k, v in values.items()):
            organization = accounts_services.update_organization(
                organization=organization, data=values, actor_label=ACTOR_LABEL
            )
            result.updated["organizations"] += 1
        organizations[spec.key] = organization
    return organizations


def _project_data(spec: ProjectSpec, categories, levels, departments, organizations) -> dict:
    return {
        "name": spec.name,
        "year": spec.year,
        "category": categories[spec.category],
        "level": levels[spec.level],
        "responsible_department": departments[spec.department],
        "owner": organizations[spec.owner] if spec.owner else None,
        "project_code": spec.project_code,
        "liaison_leader": spec.liaison_leader,
        "address": spec.address,
        "township": spec.township,
        "latitude": spec.latitude,
        "longitude": spec.longitude,
        "construction_content": spec.content,
        "total_investment": spec.total,
        "annual_planned_investment": spec.annual,
        "planned_start_date": spec.planned_start,
        "planned_completion_date": spec.planned_completion,
        "registered_in_statistics": spec.registered,
        "statistics_registered_on": spec.registered_on,
        "pool": spec.pool,
        "is_supplement": spec.is_supplement,
        "remarks": spec.remarks,
    }


def _differences(project: Project, data: dict, investors: list[Organization]) -> dict:
    changed = {}
    for name, value in data.items():
        current = getattr(project, name)
        if isinstance(value, Organization | Department | Category | Level):
            if getattr(project, f"{name}_id") != value.pk:
                changed[name] = value
        elif current != value:
            changed[name] = value
    if {o.pk for o in project.investors.all()} != {o.pk for o in investors}:
        changed["investors"] = investors
    return changed


def _load_projects(city: DemoCity, result: DemoResult, categories, levels, departments, organizations):
    existing = {
        (p.name, p.year): p
        for p in Project.objects.filter(name__in=[s.name for s in city.projects]).prefetch_related("investors")
    }
    # Projects an app re-planned from today (approvals: a plan with a baseline re-sets the groundbreaking): their
    # planned dates belong to that app now, and a re-run leaves them alone.
    replanned = set().union(*(step.replanned() for step in _steps.values() if step.replanned))
    projects = {}
    for spec in city.projects:
        data = _project_data(spec, categories, levels, departments, organizations)
        if (existing_project := existing.get((spec.name, spec.year))) and existing_project.pk in replanned:
            data = {k: v for k, v in data.items() if k not in ("planned_start_date", "planned_completion_date")}
        investors = [organizations[key] for key in spec.investors]
        project = existing.get((spec.name, spec.year))
        if project is None:
            create_data = {**data, "investors": investors}
            if spec.pool == Pool.WITHDRAWN:
                create_data["pool"] = Pool.PLANNING  # the withdrawal step moves it
            project = services.create_project(data=create_data, actor_label=ACTOR_LABEL)
            for step in spec.steps:
                project = services.change_project_stage(
                    project=project,
                    stage=step.stage,
                    reason=step.reason,
                    effective_date=step.date,
                    actor_label=ACTOR_LABEL,
                )
            result.created["projects"] += 1
        else:
            changed = _differences(project, data, investors)
            if changed:
                project = services.update_project(project=project, data=changed, actor_label=ACTOR_LABEL)
                result.updated["projects"] += 1
        projects[(spec.name, spec.year)] = project
    return projects


def _load_batch(city: DemoCity, result: DemoResult, projects) -> GroundbreakingBatch:
    info = city.data["batch"]
    values = {
        "name": info["name"],
        "date": dt.date.fromisoformat(info["date"]),
        "main_site": info["main_site"],
        "sub_sites": info["sub_sites"],
        "description": info["description"],
    }
    # Each member takes part from one venue: "venue" is 0 for the main site, 1, 2 … for the sub-sites.
    venues = [info["main_site"], *info["sub_sites"]]
    venue_of = {item["name"]: venues[item["venue"]] for item in info["projects"]}
    members = [(projects[(s.name, s.year)], s.featured, venue_of[s.name]) for s in city.projects if s.in_batch]
    batch = GroundbreakingBatch.objects.filter(name=values["name"], date=values["date"]).first()
    if batch is None:
        batch = services.save_batch(data=values, members=members, actor_label=ACTOR_LABEL)
        result.created["batches"] += 1
        return batch
    changed = {k: v for k, v in values.items() if getattr(batch, k) != v}
    current = sorted((m.project_id, m.featured_order or 0, m.site) for m in batch.memberships.all())
    wanted = sorted((p.pk, order or 0, site) for p, order, site in members)
    if changed or current != wanted:
        batch = services.save_batch(
            batch=batch, data=changed, members=members if current != wanted else None, actor_label=ACTOR_LABEL
        )
        result.updated["batches"] += 1
    return batch


def _load_users(result: DemoResult, departments, organizations) -> None:
    encoded = None
    checked: dict[str, bool] = {}
    for username, role, display_name, department_key, organization_key in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            # One hash for all demo users: hashing is deliberately slow and the password is the same anyway.
            if encoded is None:
                encoded = make_password(DEMO_PASSWORD)
                checked[encoded] = True
            user = User(
                username=username,
                role=role,
                display_name=display_name,
                department=departments[department_key] if department_key else None,
                organization=organizations[organization_key] if organization_key else None,
                is_staff=role == Role.ADMIN,
                is_superuser=role == Role.ADMIN,
                password=encoded,
            )
            user.full_clean()
            user.save()
            _record_create(
                user, {"username": username, "role": role, "display_name": display_name}, code=UserEvent.CREATED
            )
            result.created["users"] += 1
        # An existing account keeps its password: load-demo never resets a password someone chose.
        if user.password not in checked:
            checked[user.password] = check_password(DEMO_PASSWORD, user.password)
        where = (
            user.department.label if user.department_id else (user.organization.name if user.organization_id else "")
        )
        result.users.append((username, str(Role(user.role).label), where, checked[user.password]))


def load_demo() -> DemoResult:
    """Load (or complete) the demo city in one transaction; returns what was created and the demo logins."""
    city = build_demo_city()
    result = DemoResult()
    with transaction.atomic():
        categories, levels, departments = _load_dictionaries(city, result)
        organizations = _load_organizations(city, result)
        projects = _load_projects(city, result, categories, levels, departments, organizations)
        _load_batch(city, result, projects)
        _load_users(result, departments, organizations)
        # The apps built on projects add their part of the city, in INSTALLED_APPS order (approvals: checklists
        # and plans; heritage: the illustrative control zone).
        for step in _steps.values():
            result.created.update(step.load(ACTOR_LABEL))
    return result


@dataclass(frozen=True)
class DemoStep:
    """An app's part of the demo city, loaded after the projects in the same transaction. ``load(actor_label)``
    returns counts of what it created ({"checklists": 12}); ``replanned()`` the projects whose planned dates the
    app now owns (their demo dates are not written back on a re-run)."""

    load: Callable[[str], Mapping[str, int]]
    replanned: Callable[[], set[int]] | None = None


_steps: dict[str, DemoStep] = {}


def register_demo_step(name: str, step: DemoStep) -> None:
    """Add (or replace, by ``name``) an app's part of the demo city, from its AppConfig.ready: projects imports
    no app built on it."""
    _steps[name] = step
