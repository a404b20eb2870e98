"""Generation of a synthetic province from a seed: the organisation, its people, a month of work signed week by
week, twelve final months, a year's results and a month of the police-service survey.

Everything is written in bulk (worklog/synthetic/loader.py) with explicit ids, unit by unit, so memory stays
flat whatever the scale. The figures are computed as the product computes them — points by
``rules.points.entry_points``, a signed week's totals as ``weekly.services._sign`` counts them, the daily and
ledger roll-ups as ``ledgers.services.add_to_day`` and ``ledgers.services.refresh`` sum them, scores and
grades by ``rules.scoring`` and ``rules.grading`` — so that ``flask ledger check`` and a month close find the
data exactly as the product would have left it.

Deterministic: every random choice comes from ``random.Random`` seeded with the seed and the part and unit
concerned, and every timestamp is derived from the month. The same seed and scale give the same rows (only the
shared password hash has its own salt).

Needs no application context: the caller gives a connection, the password hash and the phone protector.
"""
from __future__ import annotations

import json
import random
from json.encoder import encode_basestring_ascii as _quote
from collections import defaultdict
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from time import perf_counter
from typing import Callable, ContextManager, Iterable, Iterator, Sequence as Seq
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, func, select

from models import (Assignment, CalendarDay, CallOutcome, ContactKind, DayLog, Department, DepartmentMonth,
                    DepartmentMonthCategory, Entry, MonthAdjustment, MonthResult, MonthReview, Person,
                    PersonDayTotal, Post, RoleGrant, RuleSet, Sequence, SurveyCall, SurveyContact, SurveyDraw,
                    SurveyFollowUp, TaskCategory, TaskType, TaskTypeVersion, Unit, UnitMonth, VetoEvent, WeekReview,
                    YearResult, YearReview, task_type_post)
from models import partitions
from models.catalog import task_search_keys
from worklog.rules import calendar as cal_rules
from worklog.rules import sampling
from worklog.rules.annual import AnnualInput, AnnualRules, annual_score, grade_year
from worklog.rules.grading import EXCELLENT, INCOMPETENT, GradeInput, grade_group
from worklog.rules.points import entry_points, round_points
from worklog.rules.ruleset import RuleValues, from_mapping
from worklog.rules.scoring import OfficerMonth, score_month
from worklog.synthetic.loader import Loader

UTC = timezone.utc
ZERO = Decimal("0")
CENT = Decimal("0.01")

# --- The shape of the province at scale 1.0 -----------------------------------------------------------------------

PROVINCE = ("GA", "示范省公安厅")
CITIES = ["东州", "西江", "南湖", "北原", "青山", "临川", "云阳", "宁安", "长河", "安平", "清源", "丰泽", "永和", "凤城"]
COUNTIES = 129
#: Officers at scale 1.0: the provincial department's own, a city bureau's own (range), and all county bureaus'.
PROVINCE_STAFF = 1_200
CITY_STAFF = (700, 1_500)
OFFICERS = 100_000
COUNTY_STAFF = (200, 1_850)
#: Officers per police station (派出所) when deciding how many stations a county has.
STATION_SIZE = 55
#: A unit always has at least its leader and one officer, whatever the scale.
MIN_PEOPLE = 2

# Department kinds: (sequence, head post, member posts with weights).
KINDS = {
    "station": ("PS", "PS-SZ", (("PS-SQ", 45), ("PS-XL", 40), ("PS-JX", 15))),
    "patrol": ("PS", "PS-SZ", (("PS-XL", 85), ("PS-JX", 15))),
    "investigation": ("XZ", "XZ-DZ", (("XZ-ZC", 78), ("XZ-JS", 22))),
    "traffic": ("JJ", "JJ-DZ", (("JJ-CJ", 70), ("JJ-SG", 30))),
    "office": ("ZH", "ZH-WS", (("ZH-WS", 75), ("ZH-RS", 25))),
    "personnel": ("ZH", "ZH-RS", (("ZH-RS", 70), ("ZH-WS", 30))),
}
# Departments of each level, most important first: at a small scale a unit keeps the first few.
# (code, name, kind, weight: the share of the unit's officers, relative)
PROVINCE_DEPARTMENTS = [
    ("BGS", "办公室", "office", 1.0), ("XZZD", "刑事侦查总队", "investigation", 1.6),
    ("JJZD", "交通警察总队", "traffic", 1.2), ("ZZB", "政治部", "personnel", 1.0),
    ("DCZX", "警务调查中心", "office", 0.6), ("ZAZD", "治安管理总队", "investigation", 1.0),
    ("ZHZX", "指挥中心", "office", 0.8), ("JZZD", "经济犯罪侦查总队", "investigation", 0.9),
    ("FZZD", "法制总队", "office", 0.5), ("JDZD", "禁毒总队", "investigation", 0.6),
    ("WAZD", "网络安全保卫总队", "investigation", 0.7), ("DCZD", "警务督察总队", "office", 0.5),
    ("JBB", "警务保障部", "office", 0.6), ("CRJ", "出入境管理局", "office", 0.6),
    ("KXZD", "科技信息化总队", "office", 0.7),
]
CITY_DEPARTMENTS = [
    ("BGS", "办公室", "office", 1.0), ("XZZD", "刑事侦查支队", "investigation", 2.0),
    ("JJZD", "交通警察支队", "traffic", 2.0), ("ZZB", "政治部", "personnel", 1.0),
    ("ZAZD", "治安管理支队", "investigation", 1.2), ("ZHZX", "指挥中心", "office", 1.0),
    ("XTJZD", "巡特警支队", "patrol", 2.0), ("JZZD", "经济犯罪侦查支队", "investigation", 0.9),
    ("FZZD", "法制支队", "office", 0.5), ("JDZD", "禁毒支队", "investigation", 0.7),
    ("WAZD", "网络安全保卫支队", "investigation", 0.6), ("DCZD", "督察支队", "office", 0.4),
    ("JBB", "警务保障部", "office", 0.5), ("CRJ", "出入境管理支队", "office", 0.6),
]
COUNTY_DEPARTMENTS = [
    ("PCS01", None, "station", 1.0), ("BGS", "办公室", "office", 0.8), ("XZDD", "刑侦大队", "investigation", 2.5),
    ("JJDD", "交警大队", "traffic", 3.0), ("PCS02", None, "station", 1.0), ("ZZC", "政治处", "personnel", 0.6),
    ("ZADD", "治安大队", "investigation", 1.2), ("ZHZX", "指挥中心", "office", 1.0), ("PCS03", None, "station", 1.0),
    ("XTJD", "巡特警大队", "patrol", 2.0), ("JZDD", "经侦大队", "investigation", 0.8),
    ("FZDD", "法制大队", "office", 0.5), ("JDDD", "禁毒大队", "investigation", 0.8),
]
STATION_PLACES = ["城关", "城东", "城西", "城南", "城北", "开发区", "火车站", "高新区"]
PLACE_FIRST = "东西南北中新金石白青平安永长福龙凤宁清华高柳桃杏马牛黄红河湖江溪"
PLACE_SECOND = "山河城阳江林源川湖泉宁丰安溪水台桥坪岗镇集口店庄湾坝岭"
#: A county-level bureau is a city district's branch, a county's bureau or a county-level city's bureau.
COUNTY_SUFFIXES = ["区公安分局", "县公安局", "县公安局", "市公安局"]

# --- The month's work ---------------------------------------------------------------------------------------------

ENTRIES_A_DAY = (3, 4, 4, 4, 5)
#: Entries buffered before they are written (with their day logs, roll-ups and weeks).
FLUSH_ROWS = 100_000
HALF_HOURS = (1, 2, 2, 3, 4, 4, 5, 6)       # an entry's hours, in half hours
DAY_HALF_HOURS = 20                          # at most ten hours logged a day
MISSING_DAY = 0.012      # a working day not logged at all
LATE_DAY = 0.03          # submitted after the deadline
ADJUSTED = 0.015         # approved with other points, with a reason
RETURNED = 0.005         # returned once, corrected, then approved
ADJUST_FACTORS = tuple(Decimal(f) for f in ("0.8", "0.9", "1.1", "1.2"))
ADJUST_REASONS = ["工作量核实有出入", "完成质量突出，酌情加分", "记录不够具体", "超额完成任务"]
DESCRIPTIONS = ["", "", "", "", "辖区日常工作", "按要求完成", "配合其他部门", "已录入系统", "群众反映问题处理",
                "夜间执勤", "专项行动", "领导交办事项"]

# --- The final months: how often (in percent) an officer had 0, 1, 2… of each, cumulated --------------------------

MISSING_DAYS = (0.86, 0.95, 0.98, 1.0)
LATE_DAYS = (0.75, 0.90, 0.96, 1.0)
RETURNED_ENTRIES = (0.80, 0.95, 1.0)
REDUCED_ENTRIES = (0.85, 0.97, 1.0)
COMMENDATIONS = ("市局通报表扬", "嘉奖一次", "专项行动表现突出")

# --- The survey ---------------------------------------------------------------------------------------------------

#: Calls per county bureau and kind in a month at scale 1.0 (a city bureau's own: CITY_SURVEY_SHARE of it): about
#: 58,000 people called across the province, as in the source.
CALLS = {
    ContactKind.report_110: 106, ContactKind.report_119: 24, ContactKind.report_122: 57,
    ContactKind.window_traffic: 66, ContactKind.window_household: 74, ContactKind.window_exit_entry: 41,
    ContactKind.complaint: 25, ContactKind.petition: 16, ContactKind.online: 20,
}
CITY_SURVEY_SHARE = 0.45
#: Outcome weights (satisfied, basic, dissatisfied, unreachable, refused) by group, as in the demo.
OUTCOME_WEIGHTS = {"reports": (58, 20, 6, 12, 4), "windows": (76, 14, 2, 6, 2), "complaints": (40, 24, 16, 14, 6)}
GROUP_OF = {ContactKind.report_110: "reports", ContactKind.report_119: "reports", ContactKind.report_122: "reports",
            ContactKind.window_traffic: "windows", ContactKind.window_household: "windows",
            ContactKind.window_exit_entry: "windows", ContactKind.complaint: "complaints",
            ContactKind.petition: "complaints", ContactKind.online: "complaints"}



class NotEmpty(Exception):
    """The database already holds an organisation: a province is generated only into an empty one."""


@dataclass(frozen=True)
class Settings:
    month: date                 # the month of work (its first day); the twelve before it are final
    password_hash: str          # one argon2 hash shared by every account
    #: (number, timestamp, 16 random bytes) → (cipher text, keyed hash): how the survey stores a phone number.
    protect_phone: Callable[[str, int, bytes], tuple[str, str]]
    scale: float = 1.0
    seed: int = 1
    timezone: str = "Asia/Shanghai"
    day_deadline: time = time(9, 0)


@dataclass
class Result:
    counts: dict[str, int]
    accounts: dict[str, str]    # role label → badge, for signing in
    timings: dict[str, float]   # phase → seconds


Progress = Callable[[str, Seq], ContextManager[Iterable]]


def _no_progress(_label: str, items: Seq) -> ContextManager[Iterable]:
    return nullcontext(items)


def existing_rows(connection: Connection) -> dict[str, int]:
    """Rows already in the tables a province is made of (empty: generation may go ahead)."""
    found = {}
    for model in (Person, Unit, Department, Sequence, Post, TaskCategory, TaskType, Entry, MonthReview,
                  SurveyContact):
        count = connection.scalar(select(func.count()).select_from(model))
        if count:
            found[model.__tablename__] = count
    return found


def generate(connection: Connection, settings: Settings, progress: Progress | None = None) -> Result:
    """Fill an empty, migrated database with a province. Raises NotEmpty when it is not empty.

    Runs in the caller's transaction on ``connection``; the caller commits.
    """
    found = existing_rows(connection)
    if found:
        raise NotEmpty(found)
    return _Province(connection, settings, progress or _no_progress).run()


# --- Plans: what is generated, kept small -------------------------------------------------------------------------


@dataclass
class _Task:
    id: int
    category_id: int
    version_id: int
    points: Decimal
    cap: int
    points_float: float
    points_text: str


@dataclass
class _Post:
    id: int
    code: str
    sequence_id: int
    coefficient: Decimal
    target: Decimal
    options: list[_Task] = field(default_factory=list)


@dataclass
class _Department:
    id: int
    code: str
    name: str
    kind: str
    weight: float


class _Person:
    __slots__ = ("id", "badge", "unit", "department", "post", "supervisor_id", "valid_from", "hire_date")

    def __init__(self, id, badge, unit, department, post, supervisor_id, valid_from, hire_date):
        self.id, self.badge, self.unit, self.department = id, badge, unit, department
        self.post, self.supervisor_id, self.valid_from, self.hire_date = post, supervisor_id, valid_from, hire_date


@dataclass
class _Unit:
    index: int
    id: int
    code: str
    name: str
    level: str
    parent: _Unit | None
    path: str
    staff: int                                  # officers at scale 1.0
    departments: list[_Department] = field(default_factory=list)
    people: list[_Person] = field(default_factory=list)
    leader: _Person | None = None
    panel: list[_Person] = field(default_factory=list)
    survey_staff: list[_Person] = field(default_factory=list)


class _Province:
    def __init__(self, connection: Connection, settings: Settings, progress: Progress):
        self.connection = connection
        self.settings = settings
        self.progress = progress
        self.loader = Loader(connection)
        self.month = settings.month.replace(day=1)
        self.month_last = _month_end(self.month)
        self.year = self.month.year - 1          # the year of annual results
        self.tz = ZoneInfo(settings.timezone)
        self.units: list[_Unit] = []
        self.posts: dict[str, _Post] = {}
        self.sequences: dict[str, int] = {}
        self.accounts: dict[str, str] = {}
        self._midnights: dict[date, datetime] = {}
        self._stamps: dict[date, list[str | None]] = {}

    def rng(self, *parts: object) -> random.Random:
        """A random stream of its own for each part and unit, so one part's draws never shift another's."""
        return random.Random(":".join(str(p) for p in (self.settings.seed, *parts)))

    def scaled(self, value: float) -> int:
        return round(value * self.settings.scale)

    def run(self) -> Result:
        timings: dict[str, float] = {}

        @contextmanager
        def phase(name: str) -> Iterator[None]:
            started = perf_counter()
            yield
            timings[name] = perf_counter() - started

        with phase("organisation"):
            self.load_calendar()
            self.load_rule_sets()
            self.build_catalog()
            self.build_units()
        big = [Entry.__table__, DayLog.__table__, PersonDayTotal.__table__, WeekReview.__table__,
               MonthResult.__table__, YearResult.__table__, Assignment.__table__, RoleGrant.__table__,
               SurveyContact.__table__, SurveyCall.__table__]
        with phase("indexes dropped"):
            # On PostgreSQL the month's partitions of the per-day tables first: its rows go straight to them.
            partitions.ensure_months(self.connection, [self.month])
            dropped = self.loader.drop_indexes(big)
        with phase("people"):
            self.build_people()
        with phase("month of work"):
            self.build_work()
        with phase("final months"):
            self.build_final_months()
        with phase("survey"):
            self.build_survey()
        with phase("last rows, indexes, keys"):
            self.loader.build_indexes(dropped)
        with phase("leadership roll-ups"):
            # From the results, day logs and week rows just written, as ``flask ledger rebuild`` makes them.
            from worklog.ledgers.services import refresh_leadership
            refresh_leadership(self.connection)
        with phase("statistics"):
            self.loader.reset_sequences()
            self.loader.analyze(big)
        return Result(counts=dict(sorted(self.loader.counts.items())), accounts=self.accounts, timings=timings)

    # --- time -----------------------------------------------------------------------------------------------------

    def midnight(self, day: date) -> datetime:
        """Local midnight of ``day`` in UTC: every timestamp is one of these plus minutes."""
        found = self._midnights.get(day)
        if found is None:
            found = self._midnights[day] = datetime.combine(day, time(0), tzinfo=self.tz).astimezone(UTC)
        return found

    def at(self, day: date, minutes: int) -> datetime:
        return self.midnight(day) + timedelta(minutes=minutes)

    def stamp(self, day: date, minutes: int) -> str:
        """``at(day, minutes)`` as the loader writes a timestamp, rendered once: the month's few thousand
        distinct minutes recur in millions of rows."""
        found = self._stamps.get(day)
        if found is None:
            found = self._stamps[day] = [None] * (3 * 24 * 60)
        text_ = found[minutes]
        if text_ is None:
            text_ = found[minutes] = self.loader.stamp(self.at(day, minutes))
        return text_

    def working_days_after(self, day: date, n: int) -> date:
        for _ in range(n):
            day = cal_rules.next_working_day(day, self.overrides)
        return day

    # --- calendar and rule sets -----------------------------------------------------------------------------------

    def load_calendar(self) -> None:
        """Holidays as the database has them. The demo's 2026 calendar (public holidays and make-up working days)
        is loaded first when the months concerned touch 2026 and the database has no day of that year."""
        from worklog.demo_day import HOLIDAYS_2026, MAKEUP_DAYS_2026
        first, last = _add_months(self.month, -13), _add_months(self.month, 3)
        known = date(2026, 1, 1), date(2026, 12, 31)
        if first <= known[1] and last >= known[0] and not self.connection.scalar(
                select(func.count()).select_from(CalendarDay).where(CalendarDay.day.between(*known))):
            rows = [(day, False, name) for start, end, name in HOLIDAYS_2026 for day in _days(start, end)]
            rows += [(day, True, name) for day, name in MAKEUP_DAYS_2026]
            self.loader.write(CalendarDay.__table__, ("day", "working", "name"), sorted(rows))
        self.loader.flush()
        self.overrides = {day: working for day, working in self.connection.execute(
            select(CalendarDay.day, CalendarDay.working).where(CalendarDay.day >= first - timedelta(days=31),
                                                              CalendarDay.day <= last + timedelta(days=31)))}

    def load_rule_sets(self) -> None:
        """The rule sets in force; when there are none, one per year with that year's public weight (as the
        demo has them), so that each final month records the version it was computed with."""
        if not self.connection.scalar(select(func.count()).select_from(RuleSet)):
            from worklog.rules.public import PUBLIC_WEIGHTS_BY_YEAR
            ids = self.loader.ids(RuleSet.__table__)
            created = self.at(date(min(PUBLIC_WEIGHTS_BY_YEAR), 1, 1), 0) - timedelta(days=1)
            self.loader.write(RuleSet.__table__, (
                "id", "valid_from", "values", "note", "created_by_id", "created_at"), [
                (next(ids), date(year, 1, 1), json.dumps(RuleValues(public_weight=weight).to_mapping()),
                 f"{year}: public evaluation {weight:.0%}", None, created)
                for year, weight in sorted(PUBLIC_WEIGHTS_BY_YEAR.items())])
        self.loader.flush()
        self.rule_sets = [(valid_from, rule_id, from_mapping(values)) for rule_id, valid_from, values in
                          self.connection.execute(select(RuleSet.id, RuleSet.valid_from, RuleSet.values)
                                                  .order_by(RuleSet.valid_from))]

    def rules_on(self, day: date) -> tuple[int | None, RuleValues]:
        """As ``rulesets.queries.rule_set_on``: the newest version in force on ``day``, else the defaults."""
        found: tuple[int | None, RuleValues] = (None, RuleValues())
        for valid_from, rule_id, values in self.rule_sets:
            if valid_from <= day:
                found = (rule_id, values)
        return found

    # --- catalog --------------------------------------------------------------------------------------------------

    def build_catalog(self) -> None:
        """The demo's sequences, posts, categories and 42 task types, their point values in force all along."""
        from worklog.demo import POSTS, SEQUENCES
        from worklog.demo_day import CATEGORIES, TASKS
        write = self.loader.write
        ids = self.loader.ids(Sequence.__table__)
        rows = [(next(ids), code, name) for code, name in SEQUENCES]
        write(Sequence.__table__, ("id", "code", "name"), rows)
        self.sequences = {code: sid for sid, code, _name in rows}
        ids = self.loader.ids(Post.__table__)
        rows = []
        for code, name, sequence, coefficient, target in POSTS:
            post = _Post(next(ids), code, self.sequences[sequence], Decimal(coefficient), Decimal(target))
            self.posts[code] = post
            rows.append((post.id, post.sequence_id, code, name, post.coefficient, post.target, True))
        write(Post.__table__, ("id", "sequence_id", "code", "name", "coefficient", "monthly_target_points", "active"),
              rows)
        ids = self.loader.ids(TaskCategory.__table__)
        rows = [(next(ids), code, name, position) for position, (code, name) in enumerate(CATEGORIES)]
        write(TaskCategory.__table__, ("id", "code", "name", "position"), rows)
        categories = {code: cid for cid, code, _name, _position in rows}

        valid_from = date(self.year, 1, 1)
        created = self.at(valid_from, 0) - timedelta(days=1)
        type_ids, version_ids = self.loader.ids(TaskType.__table__), self.loader.ids(TaskTypeVersion.__table__)
        types, versions, links = [], [], []
        for code, name, category, sequence, unit, points, cap, post_codes in TASKS:
            task = _Task(next(type_ids), categories[category], next(version_ids), Decimal(points), int(cap),
                         float(points), points)
            types.append((task.id, code, name, task.category_id, self.sequences.get(sequence) if sequence else None,
                          unit, True, task_search_keys(code, name)))
            versions.append((task.version_id, task.id, valid_from, task.points, Decimal(cap), None, created))
            links += [(task.id, self.posts[p].id) for p in post_codes or []]
            for post in self.posts.values():
                # As catalog.queries._available_clause: the post's sequence (or every sequence), and the post
                # itself when the task names posts.
                in_sequence = sequence is None or self.sequences[sequence] == post.sequence_id
                if in_sequence and (not post_codes or post.code in post_codes) and task.points > 0:
                    post.options.append(task)
        write(TaskType.__table__, ("id", "code", "name", "category_id", "sequence_id", "unit_of_measure", "active",
                                   "search_keys"), types)
        write(TaskTypeVersion.__table__, ("id", "task_type_id", "valid_from", "standard_points", "daily_cap",
                                          "created_by_id", "created_at"), versions)
        write(task_type_post, ("task_type_id", "post_id"), links)

    # --- units and departments ------------------------------------------------------------------------------------

    def build_units(self) -> None:
        """All 144 units whatever the scale; departments and officers scale."""
        rng = self.rng("org")
        unit_ids = self.loader.ids(Unit.__table__)
        province = _Unit(0, next(unit_ids), PROVINCE[0], PROVINCE[1], "province", None, "", PROVINCE_STAFF)
        province.path = f"/{province.id}/"
        self.units.append(province)
        cities = []
        for c, city_name in enumerate(CITIES, start=1):
            city = _Unit(len(self.units), next(unit_ids), f"C{c:02d}", f"{city_name}市公安局", "city", province, "",
                         rng.randint(*CITY_STAFF))
            city.path = f"{province.path}{city.id}/"
            cities.append(city)
            self.units.append(city)
        # Counties: as evenly shared among the cities as 129 allows, sizes spread like real bureaus (a few
        # large urban districts, many small counties).
        county_total = OFFICERS - PROVINCE_STAFF - sum(c.staff for c in cities)
        weights = [rng.lognormvariate(0, 0.5) for _ in range(COUNTIES)]
        mean = sum(weights) / COUNTIES
        used_names = set(CITIES)
        for k in range(COUNTIES):
            city = cities[k % len(cities)]
            number = k // len(cities) + 1
            while True:
                place = rng.choice(PLACE_FIRST) + rng.choice(PLACE_SECOND)
                if place not in used_names:
                    used_names.add(place)
                    break
            suffix = rng.choice(COUNTY_SUFFIXES)
            staff = min(max(round(county_total / COUNTIES * weights[k] / mean), COUNTY_STAFF[0]), COUNTY_STAFF[1])
            county = _Unit(0, 0, f"{city.code}{number:02d}", f"{place}{suffix}", "county", city, "", staff)
            self.units.append(county)
        # Ids in tree order: the province, each city, then its counties.
        ordered = [province]
        for city in cities:
            ordered.append(city)
            ordered += [u for u in self.units if u.parent is city]
        for index, unit in enumerate(ordered):
            unit.index = index
            if unit.level == "county":
                unit.id = next(unit_ids)
                unit.path = f"{unit.parent.path}{unit.id}/"
        self.units = sorted(ordered, key=lambda u: u.id)
        self.loader.write(Unit.__table__, ("id", "parent_id", "code", "name", "level", "path", "active"), [
            (u.id, u.parent.id if u.parent else None, u.code, u.name, u.level, u.path, True) for u in self.units])

        department_ids = self.loader.ids(Department.__table__)
        rows = []
        for unit in self.units:
            templates = {"province": PROVINCE_DEPARTMENTS, "city": CITY_DEPARTMENTS}.get(unit.level)
            if templates is None:
                templates = list(COUNTY_DEPARTMENTS)
                stations = max(3, round(unit.staff / STATION_SIZE))
                templates += [(f"PCS{n:02d}", None, "station", 1.0) for n in range(4, stations + 1)]
            wanted = max(1, min(self.scaled(len(templates)), len(templates),
                                self.people_of(unit) - 1))
            places = list(STATION_PLACES)
            for code, name, kind, weight in templates[:wanted]:
                if name is None:  # a police station, named after its place
                    if places:
                        place = places.pop(0)
                    else:
                        place = rng.choice(PLACE_FIRST) + rng.choice(PLACE_SECOND)
                    name = f"{place}派出所"
                department = _Department(next(department_ids), code, name, kind, weight)
                unit.departments.append(department)
                rows.append((department.id, unit.id, code, name, True))
        self.loader.write(Department.__table__, ("id", "unit_id", "code", "name", "active"), rows)

    def people_of(self, unit: _Unit) -> int:
        return max(MIN_PEOPLE, self.scaled(unit.staff))

    # --- people ---------------------------------------------------------------------------------------------------

    def build_people(self) -> None:
        """Every unit's leader (the first of its panel, supervised by the leader of the unit above), department
        heads (supervised by the leader) and officers (supervised by their head), with their roles."""
        from worklog.demo import GIVEN, RANKS, SURNAMES
        person_ids = self.loader.ids(Person.__table__)
        assignment_ids = self.loader.ids(Assignment.__table__)
        grant_ids = self.loader.ids(RoleGrant.__table__)
        since = date(self.year, 1, 1)
        created = self.at(since, 0) - timedelta(days=1)
        newest_hire = date(self.year - 1, 12, 31)
        # Trainees (见习民警, coefficient 0.85) joined within the year before the month.
        trainee_from, trainee_to = _add_months(self.month, -11), self.month - timedelta(days=40)
        with self.progress("People", self.units) as units:
            for unit in units:
                rng = self.rng("people", unit.code)
                people: list[_Person] = []
                grants: set[tuple[int, str, int]] = set()
                serial = iter(range(1, 10_000))

                def person(department: _Department, post_code: str, supervisor: _Person | None,
                           senior: bool = False) -> _Person:
                    post = self.posts[post_code]
                    if post_code == "PS-JX":
                        hire = trainee_from + timedelta(days=rng.randrange(max(1, (trainee_to - trainee_from).days)))
                    else:
                        hire = date(rng.randint(1990, 2008 if senior else newest_hire.year), rng.randint(1, 12),
                                    rng.randint(1, 28))
                    p = _Person(next(person_ids), f"{unit.index + 100:03d}{next(serial):04d}", unit, department,
                                post, supervisor.id if supervisor else None, max(since, hire), hire)
                    people.append(p)
                    grants.add((p.id, "officer", unit.id))
                    return p

                n = self.people_of(unit)
                departments = unit.departments
                office = next((d for d in departments if d.kind == "office"), departments[0])
                parent_leader = unit.parent.leader if unit.parent else None
                leader = person(office, "ZH-WS", parent_leader, senior=True)
                unit.leader = leader
                unit.panel = [leader]
                extra_panel = 2 if n >= 12 else 0
                for _ in range(extra_panel):
                    unit.panel.append(person(office, "ZH-WS", leader, senior=True))
                heads = {}
                for department in departments[:max(0, n - 1 - extra_panel)]:
                    heads[department.id] = person(department, KINDS[department.kind][1], leader, senior=True)
                members = n - len(people)
                staffed = [d for d in departments if d.id in heads]
                for department in sorted(rng.choices(staffed, weights=[d.weight for d in staffed], k=members),
                                         key=lambda d: d.id):
                    codes, weights = zip(*KINDS[department.kind][2])
                    person(department, rng.choices(codes, weights)[0], heads[department.id])
                for p in unit.panel:
                    grants.add((p.id, "panel", unit.id))
                grants.add((leader.id, "supervisor", unit.id))
                for head in heads.values():
                    grants.add((head.id, "supervisor", unit.id))
                self._special_roles(unit, people, grants)
                unit.people = people

                names = [rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
                         for _ in people]
                self.loader.write(Person.__table__, (
                    "id", "badge", "name", "rank", "hire_date", "active", "password_hash", "password_changed_at",
                    "must_change_password", "created_at"), [
                    (p.id, p.badge, name, _rank(rng, p, RANKS, self.month), p.hire_date, True,
                     self.settings.password_hash, created, False, created) for p, name in zip(people, names)])
                self.loader.write(Assignment.__table__, (
                    "id", "person_id", "department_id", "post_id", "supervisor_id", "valid_from", "valid_to"), [
                    (next(assignment_ids), p.id, p.department.id, p.post.id, p.supervisor_id, p.valid_from, None)
                    for p in people])
                self.loader.write(RoleGrant.__table__, (
                    "id", "person_id", "role", "unit_id", "granted_by_id", "granted_at"), [
                    (next(grant_ids), pid, role, uid, None, created) for pid, role, uid in sorted(grants)])
        # Accounts to try the product with: an officer of the first county bureau, their head, its leader.
        county = next(u for u in self.units if u.level == "county")
        officer = county.people[-1]
        self.accounts["officer"] = officer.badge
        if officer.supervisor_id is not None:
            self.accounts["supervisor"] = next(p.badge for p in county.people if p.id == officer.supervisor_id)
        self.accounts["panel (county)"] = county.leader.badge
        self.accounts["leader (province)"] = self.units[0].leader.badge

    def _special_roles(self, unit: _Unit, people: list[_Person], grants: set) -> None:
        """Administrators, HR and survey staff, taken from the departments that would hold them."""
        def someone(codes: tuple[str, ...], exclude: Seq[_Person] = ()) -> _Person:
            for code in codes:
                for p in people:
                    if p.department.code == code and p not in unit.panel and p not in exclude:
                        return p
            return next((p for p in reversed(people) if p not in unit.panel and p not in exclude), unit.leader)

        if unit.level == "province":
            admin = someone(("BGS", "KXZD"))
            grants.add((admin.id, "admin", unit.id))
            hr = someone(("ZZB",), (admin,))
            grants.add((hr.id, "hr", unit.id))
            staff = [p for p in people if p.department.code == "DCZX" and p not in unit.panel]
            staff = staff[:max(1, self.scaled(20))] or [someone(("ZHZX", "BGS"), (admin, hr))]
            for p in staff:
                grants.add((p.id, "survey", unit.id))
            unit.survey_staff = staff
            self.accounts.update({"admin (province)": admin.badge, "HR (province)": hr.badge,
                                  "survey staff": staff[0].badge})
        elif unit.level == "city":
            hr = someone(("ZZB",))
            grants.add((hr.id, "hr", unit.id))
            admin = someone(("BGS",), (hr,))
            grants.add((admin.id, "admin", unit.id))
        elif len(people) >= 10:
            grants.add((someone(("BGS",)).id, "admin", unit.id))

    # --- the month of work ----------------------------------------------------------------------------------------

    def build_work(self) -> None:
        """Each officer's working days: a day log submitted (a few late, a few never), about four entries, the
        day's roll-up; complete ISO weeks approved and signed by the supervisor; the ledgers of signed work.

        The inner loop runs nine million times at scale 1.0: values go to the loader already as text (numbers,
        dates, timestamps, each rendered once and reused) and random choices index tuples directly."""
        from worklog.demo_day import SELF_ASSESSMENTS
        first, last = self.month, self.month_last
        _rule_id, rules = self.rules_on(first)
        factors = (rules.completion_done, rules.completion_mostly, rules.completion_not_done)
        factor_texts = tuple(str(f) for f in factors)
        completions = ("done", "mostly", "not_done")
        days = list(cal_rules.working_days(first, last, self.overrides))
        deadline_minutes = self.settings.day_deadline.hour * 60 + self.settings.day_deadline.minute
        # Per working day: its text, and the deadline's day (the next working day) and text.
        due = {d: cal_rules.next_working_day(d, self.overrides) for d in days}
        day_text = {d: d.isoformat() for d in days}
        deadline_text = {d: self.stamp(due[d], deadline_minutes) for d in days}
        # Weeks wholly inside the month are signed; the weeks the month shares with its neighbours wait for review.
        mondays = sorted({d - timedelta(days=d.weekday()) for d in _days(first, last)})
        signed_weeks = {m for m in mondays if m >= first and m + timedelta(days=6) <= last}
        monday_of = {d: d - timedelta(days=d.weekday()) for d in days}
        monday_text = {m: m.isoformat() for m in mondays}
        day_ids, entry_ids = self.loader.ids(DayLog.__table__), self.loader.ids(Entry.__table__)
        week_ids = self.loader.ids(WeekReview.__table__)
        points_of: dict[tuple, tuple[int, str]] = {}
        half_hours_text = [str(Decimal(k) / 2) for k in range(DAY_HALF_HOURS + 1)]
        n_hours, n_descriptions, n_assessments = len(HALF_HOURS), len(DESCRIPTIONS), len(SELF_ASSESSMENTS)
        # The ledgers of signed work: per department × category (entries, points, approved), and who worked.
        cells = defaultdict(lambda: [0, 0, 0])
        department_officers, unit_officers = defaultdict(set), defaultdict(set)
        department_unit = {}

        day_columns = ("id", "person_id", "work_date", "unit_id", "department_id", "sequence_id", "status",
                       "self_assessment", "submitted_at", "deadline_at", "late", "version")
        entry_columns = ("id", "day_id", "person_id", "work_date", "task_type_id", "task_type_version_id",
                         "category_id", "unit_id", "department_id", "post_id", "sequence_id", "quantity", "hours",
                         "description", "completion", "standard_points", "completion_factor", "coefficient", "points",
                         "approved_points", "status", "reviewed_by_id", "reviewed_at", "review_note", "returned_count",
                         "week_signed", "created_at", "updated_at", "version", "reference")
        total_columns = ("person_id", "work_date", "unit_id", "department_id", "sequence_id", "entries", "hours",
                         "points", "approved_points")
        week_columns = ("id", "person_id", "week_start", "unit_id", "status", "signed_by_id", "signed_at", "entries",
                        "points", "approved_points", "version")
        day_rows, entry_rows, total_rows, week_rows = [], [], [], []

        def flush() -> None:
            self.loader.write(DayLog.__table__, day_columns, day_rows)
            self.loader.write(Entry.__table__, entry_columns, entry_rows)
            self.loader.write(PersonDayTotal.__table__, total_columns, total_rows)
            self.loader.write(WeekReview.__table__, week_columns, week_rows)
            for rows in (day_rows, entry_rows, total_rows, week_rows):
                rows.clear()

        stamp = self.stamp
        with self.progress("Entries", self.units) as units:
            for unit in units:
                rng = self.rng("work", unit.code)
                random_ = rng.random
                for person in unit.people:
                    post, department = person.post, person.department
                    pid, uid, did, sid, post_id = person.id, unit.id, department.id, post.sequence_id, post.id
                    department_unit[did] = uid
                    options, n_options = post.options, len(post.options)
                    coefficient, coefficient_text = post.coefficient, str(post.coefficient)
                    diligence = min(1.4, max(0.6, rng.gauss(1.0, 0.12)))
                    signer = person.supervisor_id
                    weeks: dict[date, list] = {}
                    worked = False
                    for day in days:
                        if day < person.valid_from:
                            continue
                        draw = random_()
                        if draw < MISSING_DAY:
                            continue
                        day_id = next(day_ids)
                        work_date = day_text[day]
                        if draw < MISSING_DAY + LATE_DAY:
                            late, submitted = True, stamp(due[day], deadline_minutes + 5 + int(random_() * 295))
                        else:
                            late, submitted = False, stamp(day, 17 * 60 + int(random_() * 300))
                        day_rows.append((day_id, pid, work_date, uid, did, sid, "submitted",
                                         SELF_ASSESSMENTS[int(random_() * n_assessments)], submitted,
                                         deadline_text[day], late, 2))
                        monday = monday_of[day]
                        signed = signer is not None and monday in signed_weeks
                        if signed:
                            week = weeks.get(monday)
                            if week is None:
                                week = weeks[monday] = self._week_review(rng, monday)
                            reviewed_at, signed_at = week[3], week[4]
                            worked = True
                        # A few different tasks of the post (drawn by index: far cheaper than random.sample).
                        wanted = min(n_options, ENTRIES_A_DAY[int(random_() * 5)])
                        picked = []
                        while len(picked) < wanted:
                            i = int(random_() * n_options)
                            if i not in picked:
                                picked.append(i)
                        tasks = [options[i] for i in picked]
                        share = (14 + 8 * random_()) * diligence / len(tasks)
                        # Sums in cents and half hours: integers add far faster than Decimals.
                        half_hours_left = DAY_HALF_HOURS
                        n = half_hours = points_sum = approved_sum = 0
                        created = stamp(day, 8 * 60 + int(random_() * 480))
                        for task in tasks:
                            quantity = min(task.cap, max(1, round(share / task.points_float)))
                            hours = HALF_HOURS[int(random_() * n_hours)]
                            if hours > half_hours_left:
                                hours = half_hours_left
                            half_hours_left -= hours
                            c = random_()
                            completion = 0 if c < 0.88 else 1 if c < 0.98 else 2
                            key = (task.version_id, quantity, completion, post_id)
                            found = points_of.get(key)
                            if found is None:
                                value = entry_points(Decimal(quantity), task.points, factors[completion], coefficient)
                                found = points_of[key] = (int(value * 100), str(value))
                            points, points_text = found
                            description = DESCRIPTIONS[int(random_() * n_descriptions)]
                            if signed:
                                a = random_()
                                note, returned, version, approved, approved_text = "", 0, 3, points, points_text
                                if a < ADJUSTED and points > 0:
                                    value = round_points(Decimal(points) / 100 * ADJUST_FACTORS[int(random_() * 4)])
                                    approved, approved_text = int(value * 100), str(value)
                                    note = ADJUST_REASONS[int(random_() * 4)]
                                elif a < ADJUSTED + RETURNED:
                                    returned, version = 1, 5
                                entry_rows.append((
                                    next(entry_ids), day_id, pid, work_date, task.id, task.version_id,
                                    task.category_id, uid, did, post_id, sid, quantity, half_hours_text[hours],
                                    description, completions[completion], task.points_text, factor_texts[completion],
                                    coefficient_text, points_text, approved_text, "approved", signer, reviewed_at,
                                    note, returned, True, created, signed_at, version, ""))
                                week[0] += 1
                                week[1] += points
                                week[2] += approved
                                cell = cells[(did, task.category_id)]
                                cell[0] += 1
                                cell[1] += points
                                cell[2] += approved
                                approved_sum += approved
                            else:
                                entry_rows.append((
                                    next(entry_ids), day_id, pid, work_date, task.id, task.version_id,
                                    task.category_id, uid, did, post_id, sid, quantity, half_hours_text[hours],
                                    description, completions[completion], task.points_text, factor_texts[completion],
                                    coefficient_text, points_text, None, "submitted", None, None, "", 0, False,
                                    created, submitted, 2, ""))
                            n += 1
                            half_hours += hours
                            points_sum += points
                        total_rows.append((pid, work_date, uid, did, sid, n, half_hours_text[half_hours],
                                           _cents(points_sum), _cents(approved_sum)))
                    if worked:
                        department_officers[did].add(pid)
                        unit_officers[uid].add(pid)
                    # Every complete week is signed, the empty ones too: nothing in them waits for review.
                    if signer is not None:
                        for monday in sorted(signed_weeks):
                            if monday + timedelta(days=6) < person.valid_from:
                                continue
                            week = weeks.get(monday) or self._week_review(rng, monday)
                            week_rows.append((next(week_ids), pid, monday_text[monday], uid, "signed", signer,
                                              week[4], week[0], _cents(week[1]), _cents(week[2]), 2))
                    if len(entry_rows) >= FLUSH_ROWS:
                        flush()
                flush()

        # The ledgers, as ledgers.services.refresh sums the signed entries.
        departments, units = defaultdict(lambda: [0, 0, 0]), defaultdict(lambda: [0, 0, 0])
        for (department_id, _category), (n, points, approved) in cells.items():
            for bucket in (departments[department_id], units[department_unit[department_id]]):
                bucket[0] += n
                bucket[1] += points
                bucket[2] += approved
        self.loader.write(DepartmentMonthCategory.__table__, (
            "department_id", "month", "category_id", "entries", "points", "approved_points"), [
            (department_id, first, category_id, n, _cents(points), _cents(approved))
            for (department_id, category_id), (n, points, approved) in sorted(cells.items())])
        self.loader.write(DepartmentMonth.__table__, (
            "department_id", "month", "unit_id", "officers", "entries", "points", "approved_points"), [
            (department_id, first, department_unit[department_id], len(department_officers[department_id]), n,
             _cents(points), _cents(approved)) for department_id, (n, points, approved) in sorted(departments.items())])
        self.loader.write(UnitMonth.__table__, (
            "unit_id", "month", "officers", "entries", "points", "approved_points"), [
            (unit_id, first, len(unit_officers[unit_id]), n, _cents(points), _cents(approved))
            for unit_id, (n, points, approved) in sorted(units.items())])

    def _week_review(self, rng: random.Random, monday: date) -> list:
        """A signed week's running totals (entries, points and approved points in cents) and its times: reviewed
        on the Monday after, signed a few minutes later, well before the Tuesday-night deadline."""
        minutes = rng.randint(510, 690)
        after = monday + timedelta(days=7)
        return [0, 0, 0, self.stamp(after, minutes), self.stamp(after, minutes + rng.randint(1, 20))]

    # --- twelve final months and the year -------------------------------------------------------------------------

    def build_final_months(self) -> None:
        """The twelve months before the month, computed, published and finalised for every unit; then the annual
        review of the year before the month's year from its final months, as annual.services.compute_year."""
        months = [_add_months(self.month, -k) for k in range(12, 0, -1)]
        review_ids, result_ids = self.loader.ids(MonthReview.__table__), self.loader.ids(MonthResult.__table__)
        veto_ids, adjustment_ids = self.loader.ids(VetoEvent.__table__), self.loader.ids(MonthAdjustment.__table__)
        year_ids, year_result_ids = self.loader.ids(YearReview.__table__), self.loader.ids(YearResult.__table__)
        explain = _Explainer()
        review_columns = ("id", "unit_id", "month", "status", "rule_set_id", "computed_at", "published_at",
                          "publication_ends", "appeal_deadline", "finalised_at", "finalised_by_id", "reopened",
                          "version")
        result_columns = ("id", "month_review_id", "person_id", "department_id", "sequence_id", "post_id",
                          "approved_points", "target_points", "missing_days", "late_days", "returned_entries",
                          "reduced_entries", "discipline_deductions", "quality_deductions", "commendations", "base",
                          "workload", "quality", "bonus", "score", "veto", "rank", "group_size", "quota",
                          "proposed_grade", "override_grade", "override_reason", "final_grade", "explanation")
        windows = {}
        for month in months:
            rule_id, rules = self.rules_on(month)
            computed = self.working_days_after(_month_end(month), 3)
            published = self.working_days_after(computed, 1)
            ends = self.working_days_after(published, rules.publication_days)
            deadline = self.working_days_after(published, rules.appeal_days)
            windows[month] = (rule_id, rules, computed, published, ends, deadline,
                              self.working_days_after(max(ends, deadline), 1))
        year_first, year_last = date(self.year, 1, 1), date(self.year, 12, 31)
        annual_rules = AnnualRules()
        year_published = self.working_days_after(date(self.year + 1, 1, 10), 1)
        year_deadline = self.working_days_after(year_published, 3)

        with self.progress("Final months", self.units) as units:
            for unit in units:
                rng = self.rng("months", unit.code)
                random_ = rng.random
                ability = {p.id: rng.gauss(0.9, 0.13) for p in unit.people}
                panel = unit.panel
                reviews, results, vetoes, adjustments = [], [], [], []
                year_months = defaultdict(list)
                for month in months:
                    rule_id, rules, computed, published, ends, deadline, finalised = windows[month]
                    last = _month_end(month)
                    review_id = next(review_ids)
                    reviews.append((review_id, unit.id, month, "final", rule_id, self.at(computed, 600),
                                    self.at(published, 540), ends, deadline, self.at(finalised, 600),
                                    unit.leader.id, 0, 4))
                    recorded_by = panel[1].id if len(panel) > 1 else unit.leader.id
                    members = [p for p in unit.people if p.valid_from <= last]
                    scores = {}
                    for p in members:
                        worked = 1.0 if p.valid_from <= month else ((last - p.valid_from).days + 1) / last.day
                        # The share of the target reached, in whole percent: results with the same figures share
                        # one computed explanation.
                        share = max(0, round(ability[p.id] * rng.gauss(1.0, 0.06) * worked * 100))
                        commendation = quality = 0
                        veto = False
                        r = random_()
                        if p is not unit.leader and p.id != recorded_by:
                            if r < 0.015:
                                commendation = (2, 3, 5)[int(random_() * 3)]
                                adjustments.append((next(adjustment_ids), review_id, p.id, "commendation",
                                                    commendation, COMMENDATIONS[int(random_() * 3)], "",
                                                    recorded_by, self.stamp(computed, 540), None, ""))
                            elif r < 0.019:
                                quality = 2
                                adjustments.append((next(adjustment_ids), review_id, p.id, "complaint", quality,
                                                    "群众投诉经核实属实", "", recorded_by, self.stamp(computed, 545),
                                                    None, ""))
                            elif r < 0.020:
                                veto = True
                                vetoes.append((next(veto_ids), review_id, p.id, month + timedelta(days=rng.randrange(
                                    last.day)), "无故旷工一日", recorded_by, self.stamp(computed, 550), None, ""))
                        scores[p.id] = explain.score(
                            (share, p.post.target, _pick(random_(), MISSING_DAYS), _pick(random_(), LATE_DAYS),
                             _pick(random_(), RETURNED_ENTRIES), _pick(random_(), REDUCED_ENTRIES), quality,
                             commendation, veto), rule_id, rules)
                    groups = defaultdict(list)
                    for p in members:
                        groups[p.post.sequence_id].append(p)
                    for sequence_id, group in groups.items():
                        graded = grade_group([GradeInput(p.id, scores[p.id][0], scores[p.id][1]) for p in group], rules)
                        by_id = {p.id: p for p in group}
                        for g in graded:
                            p = by_id[g.person_id]
                            score, veto, texts, score_json = scores[g.person_id]
                            results.append((
                                next(result_ids), review_id, p.id, p.department.id, sequence_id, p.post.id,
                                *texts, veto, g.rank, len(group), g.quota, g.proposed, None, "", g.final,
                                '{"score": ' + score_json + ', "grade": ' + explain.checks(g.explanation) + '}'))
                            if year_first <= month <= year_last:
                                year_months[p.id].append((score, g.final, veto))
                self.loader.write(MonthReview.__table__, review_columns, reviews)
                self.loader.write(MonthResult.__table__, result_columns, results)
                self.loader.write(VetoEvent.__table__, (
                    "id", "month_review_id", "person_id", "event_date", "reason", "created_by_id", "created_at",
                    "voided_at", "void_reason"), vetoes)
                self.loader.write(MonthAdjustment.__table__, (
                    "id", "month_review_id", "person_id", "kind", "points", "reason", "evidence", "created_by_id",
                    "created_at", "voided_at", "void_reason"), adjustments)

                # The year, as annual.services.compute_year: everyone assessed by the unit in the year, from the
                # final months of that year, no annual adjustments.
                year_id = next(year_ids)
                self.loader.write(YearReview.__table__, (
                    "id", "unit_id", "year", "status", "computed_at", "published_at", "appeal_deadline",
                    "finalised_at", "reopened", "version"), [
                    (year_id, unit.id, self.year, "final", self.at(year_published, 540), self.at(year_published, 600),
                     year_deadline, self.at(self.working_days_after(year_deadline, 1), 600), 0, 4)])
                groups = defaultdict(list)
                facts = {}
                for p in unit.people:
                    if p.valid_from > year_last:
                        continue
                    held = year_months.get(p.id, [])
                    mean = annual_score([m[0] for m in held], ZERO)
                    service = Decimal((year_last - p.hire_date).days / 365.25).quantize(CENT)
                    item = AnnualInput(person_id=p.id, score=mean,
                                       excellent_months=sum(1 for m in held if m[1] == EXCELLENT),
                                       incompetent_months=sum(1 for m in held if m[1] == INCOMPETENT),
                                       service_years=max(service, ZERO), veto=any(m[2] for m in held))
                    facts[p.id] = (p, len(held), mean, item)
                    groups[p.post.sequence_id].append(item)
                rows = []
                for sequence_id, items in groups.items():
                    for g in grade_year(items, annual_rules):
                        p, n, mean, item = facts[g.person_id]
                        rows.append((next(year_result_ids), year_id, p.id, p.department.id, sequence_id, n, mean,
                                     ZERO, item.score, item.excellent_months, item.incompetent_months, item.veto,
                                     g.rank, len(items), g.percentile, g.grade, g.grade,
                                     '{"grade": ' + explain.checks(g.explanation) + '}'))
                self.loader.write(YearResult.__table__, (
                    "id", "year_review_id", "person_id", "department_id", "sequence_id", "months", "mean_monthly",
                    "adjustments", "score", "excellent_months", "incompetent_months", "veto", "rank", "group_size",
                    "percentile", "proposed_grade", "final_grade", "explanation"), rows)

    # --- the survey -----------------------------------------------------------------------------------------------

    def build_survey(self) -> None:
        """The month's contacts of every city and county bureau, imported when the month is over; one draw per
        unit and kind (made with ``rules.sampling.draw`` and a recorded seed, so the draw page reproduces it);
        every call made; a follow-up for each dissatisfied answer, most of them answered by the unit."""
        from worklog.demo import GIVEN, SURNAMES
        from worklog.demo_public import COMMENTS, REPLIES
        first, last = self.month, self.month_last
        _rule_id, rules = self.rules_on(_add_months(first, 1))
        staff = self.units[0].survey_staff
        contact_ids, draw_ids = self.loader.ids(SurveyContact.__table__), self.loader.ids(SurveyDraw.__table__)
        call_ids, follow_up_ids = self.loader.ids(SurveyCall.__table__), self.loader.ids(SurveyFollowUp.__table__)
        outcomes = [o.value for o in CallOutcome]
        imported_day = self.working_days_after(last, 1)
        drawn_day = self.working_days_after(imported_day, 1)
        phones: set[str] = set()
        units = [u for u in self.units if u.level != "province"]
        with self.progress("Survey", units) as progress:
            for unit in progress:
                rng = self.rng("survey", unit.code)
                contacts, draws, calls, follow_ups = [], [], [], []
                imported_at = self.at(imported_day, 480 + unit.index)
                for k, kind in enumerate(ContactKind):
                    share = CITY_SURVEY_SHARE if unit.level == "city" else 1.0
                    # Rounded at random, so that a small scale keeps the province's proportions (a few units
                    # with a call or two of a kind) rather than giving every unit and kind at least one.
                    size = int(CALLS[kind] * share * self.settings.scale * rng.uniform(0.8, 1.2) + rng.random())
                    if size == 0:
                        continue
                    pool = []
                    for i in range(max(size, round(size * rng.uniform(2.5, 4.0)))):
                        while True:
                            number = "1" + rng.choice("35789") + f"{rng.randrange(10 ** 9):09d}"
                            if number not in phones:
                                phones.add(number)
                                break
                        contact_date = first + timedelta(days=rng.randrange(last.day))
                        cipher, phone_hash = self.settings.protect_phone(
                            number, int(imported_at.timestamp()), rng.getrandbits(128).to_bytes(16, "big"))
                        contact_id = next(contact_ids)
                        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(["", *GIVEN])
                        contacts.append((contact_id, unit.id, kind.value, contact_date,
                                         f"{unit.code}-{first:%Y%m}-{kind.value[-3:].upper()}-{i + 1:04d}", name,
                                         cipher, phone_hash, number[-4:], None, staff[0].id, imported_at))
                        pool.append((contact_id, phone_hash))
                    seed = rng.getrandbits(62)
                    drawn = sampling.draw(pool, size, seed)
                    draw_id = next(draw_ids)
                    drawn_at = self.at(drawn_day, 540 + unit.index) + timedelta(seconds=k)
                    draws.append((draw_id, unit.id, kind.value, first, size, seed, len(pool), len(pool),
                                  rules.survey_no_repeat_days, staff[0].id, drawn_at))
                    weights = OUTCOME_WEIGHTS[GROUP_OF[kind]]
                    for position, contact_id in enumerate(drawn, start=1):
                        outcome = rng.choices(outcomes, weights)[0]
                        call_day = self.working_days_after(drawn_day, rng.randint(1, 8))
                        called_at = self.at(call_day, rng.randint(540, 1050))
                        caller = rng.choice(staff)
                        comment = rng.choice(COMMENTS) if outcome == CallOutcome.dissatisfied.value else ""
                        call_id = next(call_ids)
                        calls.append((call_id, draw_id, contact_id, position, outcome, comment, caller.id, called_at,
                                      2))
                        if outcome == CallOutcome.dissatisfied.value:
                            due = self.working_days_after(call_day, rules.follow_up_days)
                            if rng.random() < 0.6:  # the unit has replied (by its panel's leader)
                                reply_day = self.working_days_after(call_day, rng.randint(1, rules.follow_up_days))
                                follow_ups.append((next(follow_up_ids), call_id, unit.id, due, rng.choice(REPLIES),
                                                   unit.leader.id, self.at(reply_day, rng.randint(540, 1050)),
                                                   called_at, 2, ""))
                            else:
                                follow_ups.append((next(follow_up_ids), call_id, unit.id, due, "", None, None,
                                                   called_at, 1, ""))
                self.loader.write(SurveyContact.__table__, (
                    "id", "unit_id", "kind", "contact_date", "reference", "name", "phone_cipher", "phone_hash",
                    "phone_last4", "erased_at", "imported_by_id", "imported_at"), contacts)
                self.loader.write(SurveyDraw.__table__, (
                    "id", "unit_id", "kind", "month", "sample_size", "seed", "candidates", "eligible",
                    "no_repeat_days", "drawn_by_id", "drawn_at"), draws)
                self.loader.write(SurveyCall.__table__, (
                    "id", "draw_id", "contact_id", "position", "outcome", "comment", "called_by_id", "called_at",
                    "version"), calls)
                self.loader.write(SurveyFollowUp.__table__, (
                    "id", "call_id", "unit_id", "deadline", "reply", "replied_by_id", "replied_at", "created_at",
                    "version", "verify_comment"), follow_ups)


class _Explainer:
    """Scores with their explanations as JSON text. The twelve months of a province are over a million results,
    most of them sharing their figures with many others (the same share of the same target, the same
    deductions): each distinct score is computed and encoded once."""

    MEMO = 50_000    # distinct results kept (about 1.5 KB each); beyond, the memo starts again

    def __init__(self):
        self._scores: dict[tuple, tuple] = {}

    def score(self, figures: tuple, rule_id: int | None, rules: RuleValues) -> tuple:
        """(score, veto, the result's figures as text in MonthResult's column order, the score's explanation) for
        (share of the target in percent, target, missing days, late days, returned entries, reduced entries,
        quality deductions, commendations, veto)."""
        key = (figures, rule_id)
        found = self._scores.get(key)
        if found is None:
            if len(self._scores) >= self.MEMO:
                self._scores.clear()
            share, target, missing, late, returned, reduced, quality, commendation, veto = figures
            o = OfficerMonth(person_id=0, approved_points=round_points(target * share / 100), target_points=target,
                             missing_days=missing, late_days=late, returned_entries=returned,
                             reduced_entries=reduced, quality_deductions=Decimal(quality),
                             commendations=Decimal(commendation), veto=veto)
            s = score_month(o, rules)
            texts = (str(o.approved_points), str(o.target_points), missing, late, returned, reduced) + tuple(
                str(v) for v in (o.discipline_deductions, o.quality_deductions, o.commendations, s.base, s.workload,
                                 s.quality, s.bonus, s.score))
            found = self._scores[key] = (s.score, s.veto, texts, json.dumps(
                [{"rule": line.rule, "value": line.value, "detail": line.detail} for line in s.explanation]))
        return found

    @staticmethod
    def checks(checks: list) -> str:
        """A grade's explanation as ``json.dumps`` would write it (as SQLAlchemy stores a JSON column), built
        with the encoder's own string quoting: a million results, and hashing the checks to share them would
        cost more than writing them out."""
        return "[" + ", ".join(
            '{"rule": ' + _quote(c.rule) + ', "value": ' + _text(c.value) + ', "threshold": ' + _text(c.threshold)
            + ', "passed": ' + ("true" if c.passed else "false") + "}" for c in checks) + "]"


# --- small helpers ------------------------------------------------------------------------------------------------


def _text(value) -> str:
    """A check's value or threshold as JSON: a figure's text, or a phrase (a code and its values)."""
    return _quote(value) if isinstance(value, str) else json.dumps(value)


def _month_end(month: date) -> date:
    return (month.replace(day=1) + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def _add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def _pick(draw: float, cumulated: tuple[float, ...]) -> int:
    """The index of the first cumulated share above ``draw`` (a number from 0 to 1)."""
    i = 0
    while draw >= cumulated[i]:
        i += 1
    return i


def _cents(cents: int) -> str:
    """Cents as the decimal text of a points column: 12345 → "123.45"."""
    return f"{cents // 100}.{cents % 100:02d}"


def _days(first: date, last: date) -> Iterable[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def _rank(rng: random.Random, person: _Person, ranks: list[str], month: date) -> str:
    """Police ranks rise with years of service."""
    years = (month - person.hire_date).days // 365
    return ranks[min(len(ranks) - 1, max(0, years // 4 + rng.randint(-1, 1)))]


