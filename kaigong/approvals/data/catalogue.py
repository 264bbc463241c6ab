"""The seed approval catalogue and default checklist rules for a county-level city (demo city: Houma 侯马市).

Facts: DOMAIN.md §2. Only the ratification limit (核准 20 working days) is a published figure for a single
matter there (the regulation is named as its basis, without an article number). The 行政许可法 base limit
(20 working days) is given as the statutory limit of administrative licences whose own regulation was not
checked, and such matters are marked ``is_local_configuration``.
Committed limits, benchmarks, departments and rule conditions are this city's configuration ("本地配置"),
illustrative until the city confirms them; administrators edit them on the catalogue pages.

Used by the data migration 0002 (through ``apps.get_model``) and by ``kaigong approvals seed``; both only add
what is missing and never overwrite an administrator's edits.
"""

LOCAL = "本地配置"
BENCHMARK_LOCAL = "本地配置:暂以承诺时限为标杆,待与全国最短时限对标"
LICENSING_LAW = "《中华人民共和国行政许可法》(一般时限20个工作日,可延长10个工作日;专门规定另有时限的从其规定,待核实)"

APPROVAL_BUREAU = "侯马市行政审批服务管理局"
PLANNING_BUREAU = "侯马市规划和自然资源局"
ECOLOGY_BUREAU = "临汾市生态环境局侯马分局"
HOUSING_BUREAU = "侯马市住房和城乡建设管理局"
HERITAGE_BUREAU = "侯马市文物局"
WATER_BUREAU = "侯马市水利局"
DEVELOPMENT_BUREAU = "侯马市发展和改革局"
CIVIL_AIR_DEFENCE_OFFICE = "侯马市人民防空办公室"
EMERGENCY_BUREAU = "侯马市应急管理局"

# (name, short name)
DEPARTMENTS = [
    (APPROVAL_BUREAU, "审批局"),
    (PLANNING_BUREAU, "规自局"),
    (ECOLOGY_BUREAU, "生态环境分局"),
    (HOUSING_BUREAU, "住建局"),
    (HERITAGE_BUREAU, "文物局"),
    (WATER_BUREAU, "水利局"),
    (DEVELOPMENT_BUREAU, "发改局"),
    (CIVIL_AIR_DEFENCE_OFFICE, "人防办"),
    (EMERGENCY_BUREAU, "应急局"),
]


def _matter(code, name, stage, department, committed, *, statutory=None, basis=LOCAL, materials=(), **extra):
    return {
        "code": code,
        "name": name,
        "approval_stage": stage,
        "department": department,
        "statutory_limit": statutory,
        "committed_limit": committed,
        "benchmark_limit": extra.pop("benchmark", committed),
        "benchmark_source": extra.pop("benchmark_source", BENCHMARK_LOCAL),
        "legal_basis": basis,
        "required_materials": "\n".join(materials),
        "prerequisites": extra.pop("prerequisites", []),
        "allows_commitment": extra.pop("allows_commitment", False),
        "is_milestone": extra.pop("is_milestone", False),
        "is_local_configuration": extra.pop("is_local_configuration", True),
        "sort_order": extra.pop("sort_order"),
    }


MATTERS = [
    # Stage 1: 立项用地规划许可
    _matter(
        "project-proposal",
        "政府投资项目建议书审批",
        1,
        APPROVAL_BUREAU,
        5,
        materials=["项目建议书", "资金来源说明"],
        sort_order=10,
    ),
    _matter(
        "feasibility-study",
        "政府投资项目可行性研究报告审批",
        1,
        APPROVAL_BUREAU,
        10,
        materials=["可行性研究报告", "用地预审与选址意见", "资金来源说明"],
        prerequisites=["project-proposal"],
        is_milestone=True,
        sort_order=20,
    ),
    _matter(
        "ratification",
        "企业投资项目核准",
        1,
        APPROVAL_BUREAU,
        10,
        statutory=20,
        basis="《企业投资项目核准和备案管理条例》:核准目录内的企业投资项目提交项目申请报告,20个工作日内作出决定",
        materials=["项目申请报告", "用地预审与选址意见", "依法应提交的其他文件"],
        benchmark=10,
        benchmark_source=BENCHMARK_LOCAL,
        is_milestone=True,
        is_local_configuration=False,
        sort_order=30,
    ),
    _matter(
        "filing",
        "企业投资项目备案",
        1,
        APPROVAL_BUREAU,
        1,
        materials=["项目基本情况(在线填报)", "项目单位承诺书"],
        allows_commitment=True,
        is_milestone=True,
        sort_order=40,
    ),
    _matter(
        "site-selection",
        "建设项目选址意见书",
        1,
        PLANNING_BUREAU,
        5,
        statutory=20,
        basis=LICENSING_LAW,
        materials=["选址申请", "项目建议书或立项文件", "选址论证材料"],
        sort_order=50,
    ),
    _matter(
        "land-pre-review",
        "建设项目用地预审",
        1,
        PLANNING_BUREAU,
        10,
        statutory=20,
        basis=LICENSING_LAW,
        materials=["用地预审申请表", "勘测定界图", "项目建设依据"],
        sort_order=60,
    ),
    _matter(
        "land-allocation",
        "国有建设用地划拨决定书",
        1,
        PLANNING_BUREAU,
        10,
        materials=["划拨用地申请", "立项文件", "用地预审意见"],
        prerequisites=["land-pre-review"],
        sort_order=70,
    ),
    _matter(
        "land-transfer-contract",
        "国有建设用地使用权出让合同",
        1,
        PLANNING_BUREAU,
        10,
        materials=["成交确认书", "出让金缴纳凭证"],
        sort_order=80,
    ),
    _matter(
        "land-use-planning-permit",
        "建设用地规划许可证",
        1,
        PLANNING_BUREAU,
        5,
        statutory=20,
        basis=LICENSING_LAW,
        materials=["建设用地规划许可申请表", "土地划拨决定书或出让合同", "规划条件"],
        prerequisites=["land-pre-review"],
        is_milestone=True,
        sort_order=90,
    ),
    # Stage 2: 工程建设许可
    _matter(
        "design-scheme-review",
        "建设工程设计方案审查",
        2,
        PLANNING_BUREAU,
        5,
        materials=["设计方案文本及图纸", "规划条件"],
        sort_order=10,
    ),
    _matter(
        "initial-design",
        "政府投资项目初步设计及概算审批",
        2,
        APPROVAL_BUREAU,
        10,
        materials=["初步设计文件", "投资概算书"],
        prerequisites=["feasibility-study"],
        sort_order=20,
    ),
    _matter(
        "engineering-planning-permit",
        "建设工程规划许可证",
        2,
        PLANNING_BUREAU,
        5,
        statutory=20,
        basis=LICENSING_LAW,
        materials=["建设工程规划许可申请表", "设计方案总平面图", "用地权属证明"],
        prerequisites=["land-use-planning-permit", "design-scheme-review"],
        is_milestone=True,
        sort_order=30,
    ),
    # Stage 3: 施工许可
    _matter(
        "construction-drawing-review",
        "施工图设计文件审查",
        3,
        HOUSING_BUREAU,
        10,
        materials=["施工图设计文件", "勘察文件"],
        prerequisites=["engineering-planning-permit"],
        sort_order=10,
    ),
    _matter(
        "fire-design-review",
        "特殊建设工程消防设计审查",
        3,
        HOUSING_BUREAU,
        10,
        statutory=20,
        basis=LICENSING_LAW,
        materials=["消防设计审查申请表", "消防设计文件"],
        prerequisites=["engineering-planning-permit"],
        sort_order=20,
    ),
    _matter(
        "civil-air-defence",
        "人防工程设计审查(结建)",
        3,
        CIVIL_AIR_DEFENCE_OFFICE,
        5,
        materials=["人防工程设计文件", "防空地下室建设面积计算书"],
        prerequisites=["engineering-planning-permit"],
        sort_order=30,
    ),
    _matter(
        "construction-permit",
        "建筑工程施工许可证",
        3,
        APPROVAL_BUREAU,
        3,
        statutory=20,
        basis=LICENSING_LAW,
        materials=["施工许可申请表", "建设工程规划许可证", "施工合同", "施工图审查合格意见", "资金保障承诺"],
        prerequisites=["construction-drawing-review", "engineering-planning-permit"],
        allows_commitment=True,
        is_milestone=True,
        sort_order=40,
    ),
    # Stage 4: 竣工验收
    _matter(
        "planning-verification",
        "建设工程规划条件核实",
        4,
        PLANNING_BUREAU,
        5,
        materials=["竣工测绘成果", "规划许可证"],
        prerequisites=["construction-permit"],
        sort_order=10,
    ),
    _matter(
        "fire-acceptance",
        "特殊建设工程消防验收",
        4,
        HOUSING_BUREAU,
        10,
        statutory=20,
        basis=LICENSING_LAW,
        materials=["消防验收申请表", "工程竣工验收报告"],
        prerequisites=["fire-design-review"],
        sort_order=20,
    ),
    _matter(
        "joint-acceptance",
        "联合验收",
        4,
        HOUSING_BUREAU,
        10,
        materials=["联合验收申请表", "竣工图", "各专项验收材料"],
        prerequisites=["construction-permit"],
        is_milestone=True,
        sort_order=30,
    ),
    _matter(
        "archives-acceptance",
        "城建档案验收",
        4,
        HOUSING_BUREAU,
        5,
        materials=["工程档案"],
        prerequisites=["construction-permit"],
        sort_order=40,
    ),
    _matter(
        "completion-filing",
        "竣工验收备案",
        4,
        HOUSING_BUREAU,
        5,
        materials=["竣工验收备案表", "联合验收意见"],
        prerequisites=["joint-acceptance"],
        is_milestone=True,
        sort_order=50,
    ),
    # Stage 5: 并行推进
    _matter(
        "eia-approval",
        "环境影响评价文件审批(报告书/报告表)",
        5,
        ECOLOGY_BUREAU,
        15,
        statutory=20,
        basis=LICENSING_LAW,
        materials=["环境影响报告书或报告表", "审批申请"],
        sort_order=10,
    ),
    _matter(
        "eia-registration",
        "环境影响登记表备案",
        5,
        ECOLOGY_BUREAU,
        1,
        materials=["环境影响登记表(在线填报)"],
        allows_commitment=True,
        sort_order=20,
    ),
    _matter(
        "energy-review",
        "固定资产投资项目节能审查",
        5,
        DEVELOPMENT_BUREAU,
        10,
        materials=["节能报告"],
        sort_order=30,
    ),
    _matter(
        "soil-water-conservation",
        "生产建设项目水土保持方案审批",
        5,
        WATER_BUREAU,
        10,
        statutory=20,
        basis=LICENSING_LAW,
        materials=["水土保持方案报告书或报告表"],
        allows_commitment=True,
        sort_order=40,
    ),
    _matter(
        "water-resources",
        "建设项目水资源论证(取水许可)",
        5,
        WATER_BUREAU,
        10,
        statutory=20,
        basis=LICENSING_LAW,
        materials=["水资源论证报告", "取水许可申请"],
        sort_order=50,
    ),
    _matter(
        "flood-impact",
        "洪水影响评价审批",
        5,
        WATER_BUREAU,
        15,
        statutory=20,
        basis=LICENSING_LAW,
        materials=["洪水影响评价报告"],
        sort_order=60,
    ),
    _matter(
        "geological-hazard",
        "地质灾害危险性评估",
        5,
        PLANNING_BUREAU,
        10,
        materials=["地质灾害危险性评估报告"],
        sort_order=70,
    ),
    _matter(
        "seismic-safety",
        "地震安全性评价",
        5,
        EMERGENCY_BUREAU,
        10,
        materials=["地震安全性评价报告"],
        sort_order=80,
    ),
    _matter(
        "archaeological-survey",
        "考古调查勘探",
        5,
        HERITAGE_BUREAU,
        30,
        materials=["考古调查勘探申请", "用地范围图"],
        sort_order=90,
    ),
    _matter(
        "heritage-impact-assessment",
        "文物影响评估",
        5,
        HERITAGE_BUREAU,
        20,
        materials=["文物影响评估报告"],
        prerequisites=["archaeological-survey"],
        sort_order=100,
    ),
    _matter(
        "heritage-consent",
        "文物保护单位建设控制地带内建设工程设计方案审批",
        5,
        HERITAGE_BUREAU,
        20,
        statutory=20,
        basis=LICENSING_LAW,
        materials=["设计方案", "文物影响评估报告", "考古工作报告"],
        prerequisites=["archaeological-survey", "heritage-impact-assessment"],
        sort_order=110,
    ),
    _matter(
        "utilities-connection",
        "水电气暖外线接入",
        5,
        None,
        10,
        materials=["接入申请", "用电/用水/用气/用热负荷"],
        sort_order=120,
    ),
]

NEW_LAND = {"attr": "land_source", "op": "in", "value": ["allocated", "transferred"]}
NOT_SIMPLE = {"attr": "is_simple_low_risk", "op": "is_false"}
ALWAYS = {"all": []}
IN_CONTROL_ZONE = {"attr": "in_heritage_control_zone", "op": "is_true"}

# (matter code, rule name, condition, description)
RULES = [
    (
        "project-proposal",
        "政府投资项目需审批项目建议书",
        {"attr": "review_regime", "op": "eq", "value": "approval"},
        "",
    ),
    ("feasibility-study", "政府投资项目需审批可研", {"attr": "review_regime", "op": "eq", "value": "approval"}, ""),
    ("initial-design", "政府投资项目需审批初设", {"attr": "review_regime", "op": "eq", "value": "approval"}, ""),
    ("ratification", "核准类项目需核准", {"attr": "review_regime", "op": "eq", "value": "ratification"}, ""),
    ("filing", "备案类项目需备案", {"attr": "review_regime", "op": "eq", "value": "filing"}, ""),
    ("site-selection", "划拨用地需选址意见书", {"attr": "land_source", "op": "eq", "value": "allocated"}, ""),
    ("land-pre-review", "新增用地需用地预审", NEW_LAND, ""),
    ("land-allocation", "划拨用地需划拨决定书", {"attr": "land_source", "op": "eq", "value": "allocated"}, ""),
    ("land-transfer-contract", "出让用地需出让合同", {"attr": "land_source", "op": "eq", "value": "transferred"}, ""),
    ("land-use-planning-permit", "新增用地需用地规划许可", NEW_LAND, ""),
    (
        "design-scheme-review",
        "非简易低风险项目需设计方案审查",
        NOT_SIMPLE,
        "本地配置:简易低风险项目的方案审查并入工程规划许可",
    ),
    ("engineering-planning-permit", "所有项目需工程规划许可", ALWAYS, ""),
    ("construction-drawing-review", "非简易低风险项目需施工图审查", NOT_SIMPLE, "本地配置"),
    (
        "fire-design-review",
        "大型建筑需消防设计审查",
        {"attr": "building_area", "op": "gt", "value": 20000},
        "本地配置:以总建筑面积超过2万平方米近似特殊建设工程,待按目录细化",
    ),
    (
        "civil-air-defence",
        "房屋建筑类项目需人防设计审查",
        {"attr": "project_class", "op": "in", "value": [1, 3, 4, 5]},
        "本地配置",
    ),
    ("construction-permit", "所有项目需施工许可", ALWAYS, ""),
    ("planning-verification", "所有项目需规划核实", ALWAYS, ""),
    (
        "fire-acceptance",
        "大型建筑需消防验收",
        {"attr": "building_area", "op": "gt", "value": 20000},
        "本地配置:与消防设计审查规则一致",
    ),
    ("joint-acceptance", "所有项目需联合验收", ALWAYS, ""),
    (
        "archives-acceptance",
        "政府投资项目需城建档案验收",
        {"attr": "review_regime", "op": "eq", "value": "approval"},
        "本地配置",
    ),
    ("completion-filing", "所有项目需竣工验收备案", ALWAYS, ""),
    (
        "eia-approval",
        "报告书/报告表类需环评审批",
        {"attr": "eia_category", "op": "in", "value": ["report", "table"]},
        "",
    ),
    ("eia-registration", "登记表类需环评备案", {"attr": "eia_category", "op": "eq", "value": "registration"}, ""),
    (
        "energy-review",
        "年综合能耗1000吨标准煤及以上需节能审查",
        {"attr": "annual_energy_use", "op": "gte", "value": 1000},
        "本地配置:阈值待按现行节能审查办法核实",
    ),
    ("soil-water-conservation", "新增用地需水土保持方案", NEW_LAND, "本地配置"),
    (
        "water-resources",
        "工业、水利、能源类项目需水资源论证",
        {"attr": "project_class", "op": "in", "value": [6, 8, 9]},
        "本地配置",
    ),
    (
        "flood-impact",
        "线性工程、交通、水利类项目需洪水影响评价",
        {"attr": "project_class", "op": "in", "value": [2, 7, 8]},
        "本地配置",
    ),
    ("geological-hazard", "新增用地需地灾评估", NEW_LAND, "本地配置"),
    (
        "seismic-safety",
        "交通、能源类项目需地震安全性评价",
        {"attr": "project_class", "op": "in", "value": [7, 9]},
        "本地配置",
    ),
    ("archaeological-survey", "建设控制地带内需考古调查勘探", IN_CONTROL_ZONE, "建设控制地带的判定见文物保护模块"),
    ("heritage-impact-assessment", "建设控制地带内需文物影响评估", IN_CONTROL_ZONE, ""),
    ("heritage-consent", "建设控制地带内需文物部门审批设计方案", IN_CONTROL_ZONE, ""),
    (
        "utilities-connection",
        "非线性工程需水电气暖接入",
        {"not": {"attr": "project_class", "op": "in", "value": [2, 7]}},
        "本地配置",
    ),
]


def seed_catalogue(apps) -> dict:
    """Create the departments, matters, prerequisites and rules that are missing. Returns what was created.

    ``apps`` is a migration's app registry or django.apps.apps; nothing existing is changed.
    """
    Department = apps.get_model("accounts", "Department")
    ApprovalMatter = apps.get_model("approvals", "ApprovalMatter")
    ChecklistRule = apps.get_model("approvals", "ChecklistRule")
    created = {"departments": [], "matters": [], "rules": []}

    departments = {}
    for order, (name, short_name) in enumerate(DEPARTMENTS, start=1):
        department, was_created = Department.objects.get_or_create(
            name=name, defaults={"short_name": short_name, "kind": "approving", "sort_order": 200 + order}
        )
        departments[name] = department
        if was_created:
            created["departments"].append(department)

    matters = {}
    new_codes = set()
    for spec in MATTERS:
        fields = {k: v for k, v in spec.items() if k not in ("code", "prerequisites", "department")}
        fields["department"] = departments.get(spec["department"])
        matter, was_created = ApprovalMatter.objects.get_or_create(code=spec["code"], defaults=fields)
        matters[spec["code"]] = matter
        if was_created:
            new_codes.add(spec["code"])
            created["matters"].append(matter)
    for spec in MATTERS:
        if spec["code"] in new_codes and spec["prerequisites"]:
            matters[spec["code"]].prerequisites.set([matters[code] for code in spec["prerequisites"]])

    for code, name, condition, description in RULES:
        rule, was_created = ChecklistRule.objects.get_or_create(
            matter=matters[code], name=name, defaults={"condition": condition, "description": description}
        )
        if was_created:
            created["rules"].append(rule)
    return created
