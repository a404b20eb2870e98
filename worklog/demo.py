"""Demo data: a province with one city bureau, three county bureaus, their departments and people.

Loaded by ``flask --app app demo``; idempotent (a second run changes nothing). Deterministic, so the
README's demo accounts always exist with the same badge numbers.
"""
from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from models import Person, Role, Unit
from worklog.admin import services
from worklog.auth.passwords import hash_password
from worklog.extensions import db

DEMO_PASSWORD = "Jingwu-2026"
ASSIGNED_FROM = date(2026, 1, 1)

SEQUENCES = [("PS", "派出所序列"), ("XZ", "刑侦序列"), ("JJ", "交警序列"), ("ZH", "综合管理序列")]
# code, name, sequence, coefficient, monthly target points
POSTS = [
    ("PS-SQ", "社区民警", "PS", "1.00", "400"), ("PS-XL", "巡逻民警", "PS", "1.00", "420"),
    ("PS-JX", "见习民警", "PS", "0.85", "360"), ("PS-SZ", "派出所所长", "PS", "1.10", "380"),
    ("XZ-ZC", "侦查员", "XZ", "1.00", "380"), ("XZ-JS", "技术员", "XZ", "1.00", "360"),
    ("XZ-DZ", "刑侦大队长", "XZ", "1.10", "360"),
    ("JJ-CJ", "交通民警", "JJ", "1.00", "420"), ("JJ-SG", "事故处理民警", "JJ", "1.00", "400"),
    ("JJ-DZ", "交警大队长", "JJ", "1.10", "380"),
    ("ZH-WS", "内勤文书", "ZH", "1.00", "320"), ("ZH-RS", "人事干部", "ZH", "1.00", "320"),
]
COUNTIES = [("C01-D", "东城分局"), ("C01-X", "西山县公安局"), ("C01-N", "南湖县公安局")]
# code, name, head post, member posts
COUNTY_DEPARTMENTS = [
    ("PCS1", "城关派出所", "PS-SZ", ["PS-SQ", "PS-SQ", "PS-XL", "PS-XL", "PS-JX", "PS-SQ", "PS-XL", "PS-SQ"]),
    ("PCS2", "新区派出所", "PS-SZ", ["PS-SQ", "PS-XL", "PS-XL", "PS-SQ", "PS-JX", "PS-SQ", "PS-XL"]),
    ("XZDD", "刑侦大队", "XZ-DZ", ["XZ-ZC", "XZ-ZC", "XZ-ZC", "XZ-JS", "XZ-ZC", "XZ-JS", "XZ-ZC"]),
    ("JJDD", "交警大队", "JJ-DZ", ["JJ-CJ", "JJ-CJ", "JJ-SG", "JJ-CJ", "JJ-CJ", "JJ-SG", "JJ-CJ", "JJ-CJ"]),
    ("BGS", "办公室", "ZH-WS", ["ZH-WS", "ZH-RS"]),
]
CITY_DEPARTMENTS = [("ZZC", "政治处"), ("ZHZX", "指挥中心")]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍建国志海波鹏飞宇浩然俊峰晨阳雪梅文斌"
RANKS = ["一级警员", "二级警员", "三级警司", "二级警司", "一级警司", "三级警督", "二级警督"]

#: The accounts the README lists: (role label, badge, name).
ACCOUNTS = {
    "admin": "900001",          # administrator of the whole province
    "county_admin": "900002",   # administrator of 东城分局 only
    "hr": "900003",             # HR of the city bureau and its counties
    "survey": "900004",         # police-service survey staff
    "panel": "900005",          # assessment panel of 东城分局
    "supervisor": "310001",     # head of 东城分局 城关派出所
    "officer": "310002",        # community officer at 东城分局 城关派出所
    "leader": "900007",         # leadership (局领导) of the city bureau: reads every figure of it, changes nothing
}


def is_loaded() -> bool:
    return db.session.scalar(select(Unit.id).where(Unit.code == "GA")) is not None


def load() -> dict[str, int]:
    """Create the demo organisation. Returns counts; does nothing when it is already there."""
    if is_loaded():
        return {}
    rng = random.Random(2026)
    pw_hash = hash_password(DEMO_PASSWORD)  # one hash for every demo account: seconds, not minutes
    counts = {"units": 0, "departments": 0, "people": 0}

    province = services.create_unit(None, {"code": "GA", "name": "示范省公安厅", "level": "province"}, None)
    city = services.create_unit(province, {"code": "C01", "name": "示范市公安局"}, None)
    counts["units"] += 2
    sequences = {code: services.save_sequence(None, {"code": code, "name": name}, None) for code, name in SEQUENCES}
    posts = {code: services.save_post(None, {"sequence": sequences[seq], "code": code, "name": name,
                                             "coefficient": Decimal(coef), "monthly_target_points": Decimal(target)},
                                      None)
             for code, name, seq, coef, target in POSTS}

    used_names: set[str] = set()

    def new_person(badge: str, rank: str | None = None) -> Person:
        while True:
            name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
            if name not in used_names:
                used_names.add(name)
                break
        person = services.create_person({
            "badge": badge, "name": name, "rank": rank or rng.choice(RANKS),
            "hire_date": date(rng.randint(1995, 2024), rng.randint(1, 12), rng.randint(1, 28))}, None)
        person.password_hash = pw_hash
        counts["people"] += 1
        return person

    def place(person: Person, department, post_code: str, supervisor: Person | None,
              valid_from: date = ASSIGNED_FROM) -> None:
        services.assign(person, {"department": department, "post": posts[post_code], "supervisor": supervisor,
                                 "valid_from": valid_from}, None)
        services.grant_role(person, Role.officer.value, department.unit, None)

    city_departments = {code: services.create_department(city, {"code": code, "name": name}, None)
                        for code, name in CITY_DEPARTMENTS}
    counts["departments"] += len(city_departments)

    # City-level staff: HR, survey, the province admin (badges 9000xx).
    admin = new_person(ACCOUNTS["admin"], "一级警督")
    place(admin, city_departments["ZZC"], "ZH-WS", None)
    services.grant_role(admin, Role.admin.value, province, None)
    hr = new_person(ACCOUNTS["hr"])
    place(hr, city_departments["ZZC"], "ZH-RS", admin)
    services.grant_role(hr, Role.hr.value, city, None)
    survey = new_person(ACCOUNTS["survey"])
    place(survey, city_departments["ZHZX"], "ZH-WS", admin)
    services.grant_role(survey, Role.survey.value, province, None)
    city_panel = [new_person(f"9001{i:02d}") for i in range(1, 4)]
    services.grant_role(admin, Role.supervisor.value, city, None)
    services.grant_role(city_panel[0], Role.supervisor.value, city, None)
    for member in city_panel:
        place(member, city_departments["ZZC"], "ZH-WS", admin)
        services.grant_role(member, Role.panel.value, city, None)

    for county_index, (county_code, county_name) in enumerate(COUNTIES, start=1):
        county = services.create_unit(city, {"code": county_code, "name": county_name}, None)
        counts["units"] += 1
        serial = 1
        heads = []
        for dep_code, dep_name, head_post, member_posts in COUNTY_DEPARTMENTS:
            department = services.create_department(county, {"code": dep_code, "name": dep_name}, None)
            counts["departments"] += 1
            head = new_person(f"3{county_index}{serial:04d}")
            serial += 1
            place(head, department, head_post, None)
            heads.append((head, department, head_post))
            services.grant_role(head, Role.supervisor.value, county, None)
            for post_code in member_posts:
                member = new_person(f"3{county_index}{serial:04d}")
                serial += 1
                place(member, department, post_code, head)
        # Each county's panel: three members drawn from its own people, plus a county admin for the first.
        panel = [new_person(f"3{county_index}9{i:03d}") for i in range(1, 4)]
        office = next(d for d in county.departments if d.code == "BGS")  # 办公室
        # The first panel member leads the county: department heads and the office staff report to them,
        # and they report to the city bureau's first panel member.
        leader = panel[0]
        for member in panel:
            place(member, office, "ZH-WS", city_panel[0] if member is leader else leader)
            services.grant_role(member, Role.panel.value, county, None)
        services.grant_role(leader, Role.supervisor.value, county, None)
        for head, department, head_post in heads:
            services.assign(head, {"department": department, "post": posts[head_post], "supervisor": leader,
                                   "valid_from": ASSIGNED_FROM}, None)
        if county_index == 1:
            county_admin = new_person(ACCOUNTS["county_admin"])
            place(county_admin, office, "ZH-WS", leader)
            services.grant_role(county_admin, Role.admin.value, county, None)
            demo_panel = new_person(ACCOUNTS["panel"])
            place(demo_panel, office, "ZH-WS", leader)
            services.grant_role(demo_panel, Role.panel.value, county, None)

    # One mid-year transfer, so the effective-dated history shows: 310003 moves to 新区派出所 on 15 October.
    mover = db.session.scalar(select(Person).where(Person.badge == "310003"))
    new_station = next(d for d in mover.assignments[0].department.unit.departments if d.code == "PCS2")
    new_head = db.session.scalar(select(Person).where(Person.badge == "310010"))
    services.assign(mover, {"department": new_station, "post": posts["PS-SQ"], "supervisor": new_head,
                            "valid_from": date(2026, 10, 15)}, None)
    # The city bureau's leadership (局领导): made last, so that every name drawn before stays the same. They hold no
    # post here, so that they are in no unit's figures they read.
    leader = new_person(ACCOUNTS["leader"], "一级警监")
    services.grant_role(leader, Role.leader.value, city, None)
    db.session.flush()
    return counts
