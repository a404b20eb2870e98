"""Demo data for work facts: a simulated 110 dispatch system and a case-handling system, registered as API clients
of 东城分局, with their facts for the county's police stations and criminal investigation brigade over the last
two weeks. Most become entries; a few wait (a case type nobody has mapped yet, a badge the systems know and
Worklog does not) or are refused (a signed week), so that a newcomer sees the feed, its queue and its
reconciliation at work.

The demo clients have fixed tokens, as the demo accounts have a fixed password (README, "API"); a real system's
token is random and shown once.
"""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from models import ApiClient, Person, TaskType, Unit
from worklog import timekeeping
from worklog.api import services as api_services
from worklog.api.tokens import shown_prefix, token_hash
from worklog.extensions import db
from worklog.facts import services as facts

#: (name, source, token, operations)
CLIENTS = [
    ("110 接处警系统", "jj110", "wlk_demo-110-dispatch-Jingwu-2026", ["write:work-facts", "read:people"]),
    ("执法办案系统", "ajxt", "wlk_demo-case-handling-Jingwu-2026", ["write:work-facts", "read:people"]),
]
#: (source, fact type, task code, quantity rule)
MAPPINGS = [
    ("jj110", "接警", "PS01", "one_each"),
    ("jj110", "巡逻签到", "PS08", "as_sent"),
    ("ajxt", "治安案件受理", "PS02", "one_each"),
    ("ajxt", "治安案件办结", "PS03", "one_each"),
    ("ajxt", "刑事案件受理", "XZ01", "one_each"),
    ("ajxt", "刑事案件办结", "XZ02", "one_each"),
]
#: A case type the administrator has not mapped yet: its facts wait in the queue.
UNMAPPED = ("ajxt", "行政处罚决定")
#: A badge both systems know and Worklog does not (an officer not yet registered): their facts wait.
UNKNOWN_BADGE = "319999"


def load(today: date | None = None, seed: int = 110) -> dict[str, int]:
    if db.session.scalar(select(ApiClient.id).where(ApiClient.source == CLIENTS[0][1])) is not None:
        return {}
    county = db.session.scalar(select(Unit).where(Unit.code == "C01-D"))
    admin = db.session.scalar(select(Person).where(Person.badge == "900001"))
    if county is None:
        return {}
    clients = {}
    for name, source, token, operations in CLIENTS:
        client, _random_token = api_services.register({"name": name, "source": source, "units": [county],
                                                       "operations": operations, "rate_limit_per_minute": 600}, admin)
        client.token_hash, client.token_prefix = token_hash(token), shown_prefix(token)
        clients[source] = client
    tasks = {t.code: t for t in db.session.scalars(select(TaskType).where(
        TaskType.code.in_([code for _s, _t, code, _r in MAPPINGS])))}
    for source, fact_type, code, rule in MAPPINGS:
        facts.save_mapping(None, {"source": source, "fact_type": fact_type, "task_type": tasks[code],
                                  "quantity_rule": rule}, admin)

    today = today or timekeeping.today()
    rng = random.Random(seed)
    tz = timekeeping.tz()
    people = list(db.session.scalars(select(Person).options(selectinload(Person.assignments))
                                     .where(Person.badge.like("31%"))))
    stations = [p for p in people if (a := p.assignment_on(today)) and a.post.code.startswith("PS-")
                and a.post.code != "PS-SZ"]
    detectives = [p for p in people if (a := p.assignment_on(today)) and a.post.code in ("XZ-ZC",)]
    days = [today - timedelta(days=n) for n in range(0, 11)]  # the last two weeks and a day of the signed one
    days = [d for d in days if d.weekday() < 5 or d == today]
    batches: dict[str, list[facts.Fact]] = {"jj110": [], "ajxt": []}
    serial = 0

    def add(source: str, badge: str, day: date, hour: int, fact_type: str, quantity=1, prefix="J") -> None:
        nonlocal serial
        serial += 1
        occurred = datetime.combine(day, time(hour, rng.randint(0, 59)), tzinfo=tz)
        if occurred > timekeeping.now():
            occurred = timekeeping.now() - timedelta(minutes=serial % 50 + 1)
        reference = f"{prefix}{day:%Y%m%d}{serial:05d}"
        batches[source].append(facts.Fact(f"{source}-{serial:06d}", badge, occurred, occurred.astimezone(tz).date(),
                                          fact_type, Decimal(quantity), reference))

    # The demo supervisor's team keeps last week as demo_week left it, a week in each state of the signing queue
    # (their facts arrive from this week on); other teams get last week's facts too.
    from worklog.demo import ACCOUNTS
    from worklog.weekly.queries import team_ids, week_of
    last_week = week_of(today) - timedelta(days=7)
    head = next((p for p in people if p.badge == ACCOUNTS["supervisor"]), None)
    kept = set(team_ids(head, last_week)) if head is not None else set()

    for day in days:
        for person in stations:
            if person.id in kept and last_week <= day < last_week + timedelta(days=7):
                continue
            for _ in range(rng.randint(1, 4)):
                add("jj110", person.badge, day, rng.randint(8, 20), "接警")
            if rng.random() < 0.4:
                add("jj110", person.badge, day, 21, "巡逻签到", rng.choice((1, 2, 3)))
            if rng.random() < 0.3:
                add("ajxt", person.badge, day, rng.randint(9, 17), "治安案件受理", prefix="A")
            if rng.random() < 0.15:
                add("ajxt", person.badge, day, rng.randint(9, 17), "治安案件办结", prefix="A")
            if rng.random() < 0.1:
                add("ajxt", person.badge, day, rng.randint(9, 17), UNMAPPED[1], prefix="A")
        for person in detectives:
            if rng.random() < 0.5:
                add("ajxt", person.badge, day, rng.randint(9, 17), "刑事案件受理", prefix="X")
            if rng.random() < 0.2:
                add("ajxt", person.badge, day, rng.randint(9, 17), "刑事案件办结", prefix="X")
        add("jj110", UNKNOWN_BADGE, day, 10, "接警")
    counts = {"work facts": 0}
    for source, batch in batches.items():
        client = clients[source]
        result = facts.receive(batch, source=source, client=client, scope_paths=[unit.path for unit in client.units])
        counts["work facts"] += len(result.outcomes)
    db.session.flush()
    return counts


def demo_tokens() -> list[tuple[str, str, str]]:
    """(system, source, token) of the demo's clients, for the README and the demo command's message."""
    return [(name, source, token) for name, source, token, _ops in CLIENTS]
