"""Survey calls, unit ledgers, opinion polls and rule sets written straight into the tables, for the units'
hand-computed examples."""
from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from models import RuleSet, Unit, UnitMonth
from models.survey import OpinionPoll, SurveyCall, SurveyContact, SurveyDraw
from worklog.admin import services as admin
from worklog.extensions import db
from worklog.survey.phones import protect

_numbers = itertools.count(1)


def calls(unit: Unit, kind: str, month: date, *outcomes: str | None, day: int = 5) -> SurveyDraw:
    """A draw of ``unit``'s contacts of ``kind`` for ``month``, one call per outcome (None: not called yet).
    Every contact has a name and a number, which no statistic may show."""
    draw = db.session.scalar(select(SurveyDraw).where(SurveyDraw.unit_id == unit.id, SurveyDraw.kind == kind,
                                                      SurveyDraw.month == month))
    if draw is None:
        draw = SurveyDraw(unit_id=unit.id, kind=kind, month=month, sample_size=len(outcomes), seed=1,
                          candidates=len(outcomes), eligible=len(outcomes), no_repeat_days=180)
        db.session.add(draw)
        db.session.flush()
    start = len(draw.calls)
    for position, outcome in enumerate(outcomes, start=start + 1):
        n = next(_numbers)
        cipher, hashed, last4 = protect(f"1390000{n:04d}")
        contact = SurveyContact(unit_id=unit.id, kind=kind, contact_date=month.replace(day=day),
                                reference=f"R{n}", name=f"Caller Secretname{n}", phone_cipher=cipher,
                                phone_hash=hashed, phone_last4=last4)
        db.session.add(contact)
        db.session.flush()
        db.session.add(SurveyCall(draw_id=draw.id, contact_id=contact.id, position=position, outcome=outcome))
    db.session.flush()
    db.session.expire(draw, ["calls"])
    return draw


def answers(satisfied=0, basic=0, dissatisfied=0, unreachable=0, refused=0, uncalled=0) -> list[str | None]:
    return (["satisfied"] * satisfied + ["basic"] * basic + ["dissatisfied"] * dissatisfied
            + ["unreachable"] * unreachable + ["refused"] * refused + [None] * uncalled)


def work(unit: Unit, month: date, officers: int, approved: str) -> None:
    db.session.add(UnitMonth(unit_id=unit.id, month=month, officers=officers, entries=officers,
                             points=Decimal(approved), approved_points=Decimal(approved)))
    db.session.flush()


def poll(unit: Unit, month: date, score: str, sample: int, label: str = "") -> None:
    db.session.add(OpinionPoll(unit_id=unit.id, round_month=month, label=label, score=Decimal(score),
                               sample_size=sample))
    db.session.flush()


def rule_set(valid_from: date, **values) -> None:
    from worklog.rules.ruleset import from_mapping
    db.session.add(RuleSet(valid_from=valid_from, values=from_mapping(values).to_mapping()))
    db.session.flush()


def counties(parent: Unit, n: int, prefix: str = "K") -> list[Unit]:
    return [admin.create_unit(parent, {"code": f"{prefix}{i}", "name": f"County {prefix}{i}"}, None)
            for i in range(1, n + 1)]
