"""Synthetic generator: N projects spread over categories, levels, stages, departments, owners and years.

Bulk-inserted without audit events: this is benchmark data, not a record of anyone's work.
"""

import random
from decimal import Decimal

from django.db import transaction

from kaigong.accounts.models import Department, Organization
from kaigong.core.codes import CREDIT_CODE_ALPHABET, credit_code_check_char
from kaigong.core.text import pinyin_initials
from kaigong.projects.choices import Pool, Stage
from kaigong.projects.models import Category, Level, Project

WORDS = [
    "光伏",
    "新能源",
    "智能制造",
    "中药材",
    "物流园",
    "污水处理",
    "道路",
    "产业园",
    "数据中心",
    "装配式建筑",
    "食品加工",
    "文旅",
    "供热管网",
    "湿地",
    "学校",
    "医院",
    "冷链",
    "铸造",
    "新材料",
    "储能",
]
SUFFIX = ["项目", "建设工程", "生产基地", "改造工程", "综合治理", "一期", "二期"]


def _credit_code(n: int) -> str:
    body = "91141081" + "".join(CREDIT_CODE_ALPHABET[(n // 31**i) % 31] for i in range(9))
    return body + credit_code_check_char(body)


@transaction.atomic
def generate(n: int, *, seed: int = 20240101) -> int:
    rng = random.Random(seed)
    categories = [
        Category.objects.get_or_create(code=c, defaults={"name": name, "sort_order": i})[0]
        for i, (c, name) in enumerate(
            [
                ("industry", "产业类"),
                ("infrastructure", "基础设施类"),
                ("yellow-river", "“一泓清水入黄河”类"),
                ("livelihood", "民生社会事业类"),
            ]
        )
    ]
    levels = [
        Level.objects.get_or_create(code=c, defaults={"name": name, "sort_order": i})[0]
        for i, (c, name) in enumerate([("provincial", "省级"), ("municipal", "市级"), ("county", "县级")])
    ]
    departments = [Department.objects.get_or_create(name=f"基准部门{i:02d}")[0] for i in range(30)]
    existing = Organization.objects.count()
    Organization.objects.bulk_create(
        [
            Organization(name=f"基准企业{i:05d}有限公司", credit_code=_credit_code(900000 + i))
            for i in range(existing, max(existing, 2000))
        ],
        batch_size=1000,
    )
    owners = list(Organization.objects.values_list("id", flat=True)[:2000])
    return insert_projects(
        rng,
        range(n),
        categories=categories,
        levels=levels,
        departments=departments,
        owners=owners,
        content="基准测试数据",
    )


def insert_projects(rng, numbers, *, categories, levels, departments, owners, content: str) -> int:
    """Synthetic projects numbered ``numbers`` (a range), bulk-inserted 5,000 at a time; shared by the benchmark's
    city (generate) and the load benchmark's (bench.load_city)."""
    stages = list(Stage.values)
    batch, made = [], 0
    for i in numbers:
        name = f"{rng.choice(WORDS)}{rng.choice(WORDS)}{rng.choice(SUFFIX)}{i}"
        total = Decimal(rng.randrange(500_00, 5_000_000_00)) / 100
        stage = rng.choice(stages)
        batch.append(
            Project(
                name=name,
                search_text=f"{name}|{pinyin_initials(name)}",
                category=rng.choice(categories),
                level=rng.choice(levels),
                stage=stage,
                year=rng.choice([2022, 2023, 2024, 2025, 2026]),
                owner_id=rng.choice(owners),
                responsible_department=rng.choice(departments),
                # Time code YYMM, 2021–2025 (kaigong.core.codes); two thirds of the projects have a code.
                project_code=(
                    f"{21 + i % 5}{1 + i % 12:02d}-141081-{rng.randrange(10, 99)}-{rng.randrange(1, 4):02d}-{i:06d}"
                )
                if i % 3
                else "",
                total_investment=total,
                annual_planned_investment=(total / 3).quantize(Decimal("0.01")),
                address="侯马市",
                construction_content=content,
                pool=Pool.IMPLEMENTATION,
            )
        )
        if len(batch) == 5000:
            Project.objects.bulk_create(batch)
            made += len(batch)
            batch = []
    Project.objects.bulk_create(batch)
    return made + len(batch)
