"""Demo data for results used (奖惩兑现): the city bureau's HR (account 900003) publishes a competitive promotion round
judged on the demo's final months and records some of its outcomes, and gives honours of the year, one of them
revoked — so the round's outcomes, the honours pages, an officer's record and the API's events have something to
show. Everything goes through the services, audited as in production. Loaded once, after the months are final.
"""
from __future__ import annotations

import copy
from datetime import timedelta

from sqlalchemy import func, select

from models import Honour, Person, PromotionCandidate, PromotionRound, Unit
from worklog import demo, timekeeping
from worklog.annual import rounds
from worklog.decisions import services
from worklog.extensions import db
from worklog.jobs.runner import run_inline
from worklog.rules.eligibility import DEFAULT_POLICIES

ROUND_NAME = "竞争上岗（示范）"


def load() -> dict[str, int]:
    if db.session.scalar(select(func.count()).select_from(Honour)):
        return {"decisions": 0}
    hr = db.session.scalar(select(Person).where(Person.badge == demo.ACCOUNTS["hr"]))
    city = db.session.scalar(select(Unit).where(Unit.code == "C01"))
    if hr is None or city is None:
        return {"decisions": 0}
    today = timekeeping.today()
    decided = _round(city, hr, today)
    given = _honours(city, hr, today)
    db.session.flush()
    return {"decisions": decided, "honours": given}


def _round(city: Unit, hr: Person, today) -> int:
    """A competitive promotion round of the city, its rules asking two monthly 优秀 (the demo has three final
    months, not twelve), judged, published knowingly without the months nobody closed, three outcomes recorded."""
    policy = copy.deepcopy(DEFAULT_POLICIES["competitive_promotion"])
    policy["rules"][0]["params"]["at_least"] = 2
    policy["label"] = "示范：近12个月至少2个月度优秀"
    round_ = rounds.create_round(city, f"{today.year}年{ROUND_NAME}", today - timedelta(days=7),
                                 "competitive_promotion", hr)
    db.session.flush()
    run_inline(round_.job_id)
    rounds.save_policy(round_, policy, hr)
    db.session.flush()
    run_inline(round_.job_id)
    round_ = db.session.get(PromotionRound, round_.id)
    rounds.publish_round(round_, {"not_final": rounds.not_final_token(rounds.not_final(round_))}, hr)
    eligible = list(db.session.scalars(select(PromotionCandidate).where(
        PromotionCandidate.round_id == round_.id, PromotionCandidate.eligible.is_(True),
        PromotionCandidate.person_id != hr.id).order_by(PromotionCandidate.position).limit(3)))
    outcomes = [("promoted", "晋升为一级警长"), ("not_selected", "职数已满"), ("deferred", "待下一批次研究")]
    for candidate, (outcome, note) in zip(eligible, outcomes):
        services.record_round_decision(round_, candidate.person_id, {
            "outcome": outcome, "decided_on": today - timedelta(days=2), "note": note, "version": 0,
            "reference": f"示公人〔{today.year}〕{candidate.position + 20}号"}, hr)
    return len(eligible[:3])


def _honours(city: Unit, hr: Person, today) -> int:
    """Honours of the year given by hand in the first county: two commendations and an award; one commendation
    revoked for facts that did not hold."""
    county = db.session.scalar(select(Unit).where(Unit.parent_id == city.id).order_by(Unit.code))
    people = ["310004", "310006", "310008"]
    given = [
        ("commendation", "个人嘉奖", "成功调解邻里纠纷，群众送锦旗"),
        ("award", "优秀人民警察", "全年无差错、群众满意率第一"),
        ("commendation", "个人嘉奖", "协助破获电信诈骗案"),
    ]
    decided_on = max(today - timedelta(days=5), today.replace(month=1, day=1))
    honours = []
    for badge, (kind, title, reason) in zip(people, given):
        honours.append(services.record_honour(county, {
            "badge": badge, "kind": kind, "title": title, "year": today.year, "decided_on": decided_on,
            "reference": f"示公政〔{today.year}〕{len(honours) + 31}号", "reason": reason}, hr))
    services.revoke_honour(honours[-1], {"reason": "经核查事迹不实", "version": honours[-1].version}, hr)
    return len(honours)
