"""Promotion rounds and HR lists: the eligibility engine applied to a unit subtree at a reference date."""
from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from models import Assignment, BonusPool, BonusShare, Department, Person, PromotionCandidate, PromotionRound, Unit, \
    YearResult, YearReview, utcnow
from worklog import audit
from worklog.annual.services import facts_for
from worklog.errors import Conflict, ServiceError
from worklog.extensions import db
from worklog.permissions import has_role
from worklog.rules.bonus import DEFAULT_COEFFICIENTS, distribute
from worklog.rules.eligibility import DEFAULT_POLICIES, evaluate, validate_policy

#: The numeric parameters HR may try other values for (what-if).
TUNABLE = ("at_least", "months", "max_percentile", "bottom", "years")


def _people_query(unit: Unit, day: date):
    return (select(Person).join(Assignment, Assignment.person_id == Person.id)
            .join(Department, Department.id == Assignment.department_id).join(Unit, Unit.id == Department.unit_id)
            .where(Unit.path.startswith(unit.path, autoescape=True), Assignment.valid_from <= day,
                   or_(Assignment.valid_to.is_(None), Assignment.valid_to >= day), Person.active.is_(True)))


def people_in(unit: Unit, day: date) -> list[Person]:
    """Officers whose assignment on ``day`` lies in the unit or under it."""
    return list(db.session.scalars(_people_query(unit, day).order_by(Person.badge)))


def facts_in(unit: Unit, day: date):
    """The officers of the subtree and what the eligibility rules look at, in four queries however many."""
    people = people_in(unit, day)
    return people, facts_for(people, among=_people_query(unit, day).with_only_columns(Person.id))


def judge(policy: dict, unit: Unit, reference: date):
    """Every officer of the subtree judged by the policy: (person, evaluation) best first."""
    people, facts = facts_in(unit, reference)
    by_id = {p.id: p for p in people}
    return [(by_id[e.person_id], e) for e in evaluate(policy, facts, reference)]


def with_params(policy: dict, values: dict[str, str]) -> dict:
    """A copy of the policy with some rule parameters replaced: keys are ``<rule index>-<param>``."""
    tried = copy.deepcopy(policy)
    for key, value in values.items():
        try:
            index, name = key.split("-", 1)
            rule = tried["rules"][int(index)]
        except (ValueError, IndexError, KeyError):
            continue
        if name in TUNABLE and name in rule.get("params", {}) and str(value).strip():
            rule["params"][name] = str(value).strip()
    return tried


def require_hr(actor: Person, unit: Unit) -> None:
    if not has_role(actor, "hr", unit):
        raise ServiceError(_("Only HR over this unit can do this."))


def create_round(unit: Unit, name: str, reference: date, policy_key: str, actor: Person) -> PromotionRound:
    require_hr(actor, unit)
    if policy_key not in DEFAULT_POLICIES:
        raise ServiceError(_("Choose the rules of the round."), "policy")
    name = (name or "").strip()
    if not name:
        raise ServiceError(_("Give the round a name."), "name")
    round_ = PromotionRound(name=name[:120], unit_id=unit.id, reference_date=reference,
                            policy=copy.deepcopy(DEFAULT_POLICIES[policy_key]), status="draft",
                            created_by_id=actor.id)
    db.session.add(round_)
    db.session.flush()
    audit.record(actor, "round.created", "promotion_round", round_.id, unit_id=unit.id,
                 after={"name": round_.name, "reference_date": reference.isoformat(), "policy": policy_key})
    return round_


def save_policy(round_: PromotionRound, policy: dict, actor: Person) -> PromotionRound:
    unit = db.session.get(Unit, round_.unit_id)
    require_hr(actor, unit)
    if round_.status != "draft":
        raise Conflict(_("A published round cannot change."))
    problems = validate_policy(policy)
    if problems:
        raise ServiceError("; ".join(problems))
    before = round_.policy
    round_.policy = policy
    db.session.flush()
    audit.record(actor, "round.rules_changed", "promotion_round", round_.id, unit_id=unit.id, before={"policy": before},
                 after={"policy": policy})
    return round_


def publish_round(round_: PromotionRound, actor: Person) -> int:
    """Freeze the list as it stands: later data changes never alter a published round."""
    unit = db.session.get(Unit, round_.unit_id)
    require_hr(actor, unit)
    if round_.status != "draft":
        raise Conflict(_("This round has already been published."))
    rows = []
    for position, (person, evaluation) in enumerate(judge(round_.policy, unit, round_.reference_date), start=1):
        rows.append(PromotionCandidate(round_id=round_.id, person_id=person.id, position=position,
                                       eligible=evaluation.eligible, badge=person.badge, name=person.name,
                                       checks=[{"key": c.key, "label": c.label, "value": c.value,
                                                "threshold": c.threshold, "passed": c.passed}
                                               for c in evaluation.checks]))
    db.session.add_all(rows)
    round_.status, round_.published_at = "published", utcnow()
    db.session.flush()
    audit.record(actor, "round.published", "promotion_round", round_.id, unit_id=unit.id,
                 after={"candidates": len(rows), "eligible": sum(1 for r in rows if r.eligible)})
    return len(rows)


def frozen(round_: PromotionRound) -> list[PromotionCandidate]:
    return list(db.session.scalars(select(PromotionCandidate).where(PromotionCandidate.round_id == round_.id)
                                   .order_by(PromotionCandidate.position)))


# --- Bonus -------------------------------------------------------------------------------------------------------------


def create_bonus_pool(unit: Unit, year: int, amount, note: str, actor: Person) -> BonusPool:
    """Share a pool among the officers of the unit's final annual review, by grade coefficient × score."""
    require_hr(actor, unit)
    review = db.session.scalar(select(YearReview).where(YearReview.unit_id == unit.id, YearReview.year == year))
    if review is None or review.status != "final":
        raise ServiceError(_("The unit's annual review of %(year)d is not final.", year=year), "year")
    try:
        pool = Decimal(str(amount)).quantize(Decimal("0.01"))
    except Exception:
        raise ServiceError(_("The amount must be a number."), "amount")
    if pool <= 0:
        raise ServiceError(_("The amount must be above 0."), "amount")
    results = list(db.session.scalars(select(YearResult).where(YearResult.year_review_id == review.id)
                                      .options(selectinload(YearResult.person))))
    items = [(r.person_id, r.final_grade, max(Decimal(r.score), Decimal("0"))) for r in results]
    shares = distribute(pool, items, DEFAULT_COEFFICIENTS)
    bonus = BonusPool(unit_id=unit.id, year=year, amount=pool, note=(note or "").strip()[:200],
                      coefficients={k: str(v) for k, v in DEFAULT_COEFFICIENTS.items()}, created_by_id=actor.id)
    db.session.add(bonus)
    db.session.flush()
    by_id = {r.person_id: r for r in results}
    db.session.add_all(BonusShare(pool_id=bonus.id, person_id=pid, grade=by_id[pid].final_grade,
                                  score=by_id[pid].score, amount=value) for pid, value in shares)
    db.session.flush()
    audit.record(actor, "bonus.distributed", "bonus_pool", bonus.id, unit_id=unit.id,
                 after={"year": year, "amount": str(pool), "officers": len(shares)})
    return bonus
