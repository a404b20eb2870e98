"""Promotion rounds and HR lists: the eligibility engine applied to a unit subtree at a reference date."""
from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import islice
from typing import Any, Iterator

from flask_babel import gettext as _, ngettext
from sqlalchemy import delete, func, insert, or_, select, text

from models import Assignment, BackgroundJob, Department, JobStatus, MonthReview, MonthStatus, \
    Person, PromotionCandidate, PromotionRound, Unit, YearReview, utcnow
from worklog import audit
from worklog import notifications
from worklog.annual.services import facts_for
from worklog.errors import Conflict, ServiceError
from worklog.extensions import db
from worklog.permissions import require_hr
from worklog.rules.eligibility import DEFAULT_POLICIES, Evaluation, evaluate, validate_policy, why_empty
from worklog.rules.periods import periods_read

#: The numeric parameters HR may try other values for (what-if).
TUNABLE = ("at_least", "months", "max_percentile", "bottom", "years")
#: Of those, the shares of a ranking: shown and typed as percents.
SHARES = ("max_percentile", "bottom")
#: Rows of a round's list written per INSERT.
INSERT_CHUNK = 5000
#: Officers whose facts are read and judged at a time (their ids are bound: well below any driver's limit).
JUDGE_CHUNK = 5000
#: Officers named in a what-if, of those entering and of those leaving.
WHAT_IF_SHOWN = 100


class PolicyRefused(ServiceError):
    """Rules that cannot be used: ``problems`` are the rule code's (codes and values), worded by the form."""

    def __init__(self, problems: list):
        from worklog.explanations import Wording
        self.problems = problems
        super().__init__("; ".join(Wording().problems(problems)))


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


def _judged(policy: dict, unit: Unit, reference: date) -> Iterator[tuple[Any, Evaluation]]:
    """Every officer of the subtree on the reference date judged by the policy, ``JUDGE_CHUNK`` officers at a
    time (their facts read for those officers only): (officer, evaluation) pairs in no particular order, the
    officer a plain row (id, badge, name, hire date, rank, unit id). A province's facts would take half a
    gigabyte at once. An officer with two assignments on the day counts once, in the later one's unit."""
    people = db.session.execute(_people_query(unit, reference).with_only_columns(
        Person.id, Person.badge, Person.name, Person.hire_date, Person.rank, Department.unit_id)
        .order_by(Person.id, Assignment.valid_from.desc(), Assignment.id.desc())).all()
    people = [p for i, p in enumerate(people) if i == 0 or people[i - 1].id != p.id]
    for first in range(0, len(people), JUDGE_CHUNK):
        chunk = people[first:first + JUDGE_CHUNK]
        by_id = {p.id: p for p in chunk}
        for evaluation in evaluate(policy, facts_for(chunk), reference):
            yield by_id[evaluation.person_id], evaluation


def judged_rows(policy: dict, unit: Unit, reference: date) -> Iterator[dict[str, Any]]:
    """The round's list as the rows it is stored in, best first (``evaluate``'s order): each officer with their
    unit on the reference date, eligible or not, the rules failed (bit i: rule i) and every check. Only what
    the rows hold is kept while the subtree is judged, as tuples sharing the rules' labels."""
    judged = [(e.sort_key, person.id, person.badge, person.name, person.unit_id, e.eligible,
               tuple((c.key, c.label, c.value, c.threshold, c.passed) for c in e.checks), e.ties)
              for person, e in _judged(policy, unit, reference)]
    judged.sort(key=lambda row: row[0])
    for position, (_key, person_id, badge, name, unit_id, eligible, checks, ties) in enumerate(judged, start=1):
        yield {"person_id": person_id, "position": position, "eligible": eligible, "badge": badge, "name": name,
               "unit_id": unit_id, "failed": sum(1 << i for i, c in enumerate(checks) if not c[4]),
               "ties": list(ties),
               "checks": [{"key": k, "label": label, "value": value, "threshold": threshold, "passed": passed}
                          for k, label, value, threshold, passed in checks]}


def _shown(name: str, value: Any) -> str:
    """A parameter as the what-if form shows it: shares as percents (0.30 → 30)."""
    if name not in SHARES:
        return str(value)
    try:
        text = f"{Decimal(str(value)) * 100:f}"
    except ArithmeticError:
        return str(value)
    return text.rstrip("0").rstrip(".") if "." in text else text


def _typed(name: str, text: str) -> str:
    """A parameter as typed in the what-if form, as the rules keep it: shares from percents (30 → 0.3)."""
    if name not in SHARES:
        return text
    try:
        value = Decimal(text.rstrip("%").strip()) / 100
    except ArithmeticError:
        return text  # refused by the rule code, in the reader's words
    return f"{value.normalize():f}" if value.is_finite() else text


def tunable(policy: dict) -> list[tuple[int, dict, list[tuple[str, str]]]]:
    """The parameters the what-if form offers: (rule index, rule, [(parameter, value as shown)])."""
    return [(i, rule, [(name, _shown(name, value)) for name, value in (rule.get("params") or {}).items()
                       if name in TUNABLE])
            for i, rule in enumerate(policy.get("rules", []))]


def with_params(policy: dict, values: dict[str, str]) -> dict:
    """A copy of the policy with some rule parameters replaced: keys are ``<rule index>-<param>``, shares in
    percent. A rule whose numbers change loses its name, which spoke of the old numbers: the pages then say
    what it requires."""
    tried = copy.deepcopy(policy)
    for key, value in values.items():
        try:
            index, name = key.split("-", 1)
            rule = tried["rules"][int(index)]
        except (ValueError, IndexError, KeyError):
            continue
        if name in TUNABLE and name in rule.get("params", {}) and str(value).strip():
            new = _typed(name, str(value).strip())
            if str(rule["params"][name]) != new:
                rule["params"][name] = new
                rule.pop("label", None)
    return tried


def is_promotion(round_: PromotionRound) -> bool:
    """Whether the round's list is one of promotion: a list drawn from the bottom of the annual ranking (a
    warning talk, a removal) is not, whatever its name — what was done about it is recorded as the year's lists'
    actions are, never as a promotion."""
    return not any(rule.get("kind") == "bottom_percentile" for rule in (round_.policy or {}).get("rules", []))


def create_round(unit: Unit, name: str, reference: date, policy_key: str, actor: Person) -> PromotionRound:
    """A draft round, and the job that judges its list (``round_.job_id``: the caller dispatches it once
    committed)."""
    require_hr(actor, unit)
    if not unit.active:
        raise ServiceError(_("This unit is closed: choose another."), "unit")
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
    _start_computing(round_, actor)
    return round_


def _start_computing(round_: PromotionRound, actor: Person | None) -> BackgroundJob:
    from worklog.jobs.services import start_round_judge
    job = start_round_judge(round_, {}, actor)
    round_.job_id = job.id
    db.session.flush()
    return job


def compute_again(round_: PromotionRound, actor: Person) -> BackgroundJob:
    """HR asks for the list to be judged again (the data it judges changed since): a job, dispatched by the
    caller once committed."""
    require_hr(actor, db.session.get(Unit, round_.unit_id))
    if round_.status != "draft":
        raise Conflict(_("A published round cannot change."))
    return _start_computing(round_, actor)


def compute_list(round_id: int, actor: Person | None) -> int:
    """Judge the round's list and store it in place of the last one: the part of a ``round_judge`` job. The
    round's row stays locked until the job's transaction ends, so two computations (or a computation and a
    publication, or a change of its rules) never interleave."""
    round_ = db.session.scalar(select(PromotionRound).where(PromotionRound.id == round_id).with_for_update()
                               .execution_options(populate_existing=True))
    if round_ is None or round_.status != "draft":
        raise Conflict(_("A published round cannot change."))
    rows = judged_rows(round_.policy, db.session.get(Unit, round_.unit_id), round_.reference_date)
    db.session.execute(delete(PromotionCandidate).where(PromotionCandidate.round_id == round_.id))
    failing = [0] * len(round_.policy.get("rules", []))
    total = eligible = 0
    while chunk := [{**row, "round_id": round_.id} for row in islice(rows, INSERT_CHUNK)]:
        db.session.execute(insert(PromotionCandidate), chunk)
        total += len(chunk)
        eligible += sum(1 for row in chunk if row["eligible"])
        for i in range(len(failing)):
            failing[i] += sum(1 for row in chunk if row["failed"] & (1 << i))
    round_.computed_at = utcnow()
    round_.counts = {"total": total, "eligible": eligible, "failing": failing}
    db.session.flush()
    if db.session.get_bind().dialect.name == "postgresql":
        # The rows were replaced wholesale: the planner learns of them now rather than at autovacuum's leisure
        # (stale statistics made the list's page sort a province's rows for its first fifty).
        db.session.execute(text("ANALYZE promotion_candidate"))
    audit.record(actor, "round.computed", "promotion_round", round_.id, unit_id=round_.unit_id,
                 after={"candidates": total, "eligible": eligible, "job": round_.job_id})
    return total


def being_computed(round_: PromotionRound) -> bool:
    """Is the latest job asked to judge the list still to finish?"""
    return round_.job is not None and not round_.job.finished


def publishable(round_: PromotionRound) -> bool:
    """Is the stored list judged by the round's current rules? Not while a job judges it again, nor when the
    last one failed (the list may follow older rules)."""
    return round_.computed_at is not None and (round_.job is None or round_.job.status == JobStatus.done.value)


def save_policy(round_: PromotionRound, policy: dict, actor: Person) -> PromotionRound:
    """New rules for a draft round; its list is judged again by a job (``round_.job_id``) the caller
    dispatches once committed."""
    unit = db.session.get(Unit, round_.unit_id)
    require_hr(actor, unit)
    if round_.status != "draft":
        raise Conflict(_("A published round cannot change."))
    problems = validate_policy(policy)
    if problems:
        raise PolicyRefused(problems)
    before = round_.policy
    round_.policy = policy
    db.session.flush()
    audit.record(actor, "round.rules_changed", "promotion_round", round_.id, unit_id=unit.id, before={"policy": before},
                 after={"policy": policy})
    _start_computing(round_, actor)
    return round_


#: A period not final for a unit whose review of it was never opened.
NOT_OPENED = "not_opened"


@dataclass(frozen=True)
class NotFinal:
    """A period the round's rules read (a month, or a year's annual review) that is not final for some of the
    round's units, all in the same state: ``status`` is the review's (open, computed, published) or
    ``NOT_OPENED``; ``units`` are (id, name, officers of the unit on the reference date), in tree order."""
    kind: str  # "month" or "year"
    period: date | int
    status: str
    units: tuple[tuple[int, str, int], ...]

    @property
    def officers(self) -> int:
        return sum(n for _id, _name, n in self.units)

    @property
    def code(self) -> str:
        """The period as written in the audit trail: 2026-10, or 2025 for a year."""
        return f"{self.period:%Y-%m}" if self.kind == "month" else str(self.period)


#: The order of a period's states on the page: furthest from final first.
_STATE_ORDER = {NOT_OPENED: 0, MonthStatus.open.value: 1, MonthStatus.computed.value: 2,
                MonthStatus.published.value: 3}


def not_final(round_: PromotionRound) -> list[NotFinal]:
    """The months and years the round's rules read (``worklog.rules.periods``) that are not final for a unit of
    the round's subtree with officers on the reference date: their results are left out of the list until then.
    Three statements whatever the size of the subtree."""
    months, years = periods_read(round_.policy, round_.reference_date)
    if not months and not years:
        return []
    unit = round_.unit if round_.unit is not None else db.session.get(Unit, round_.unit_id)
    units = db.session.execute(_people_query(unit, round_.reference_date).with_only_columns(
        Department.unit_id, Unit.name, func.count(Person.id.distinct()))
        .group_by(Department.unit_id, Unit.name, Unit.path).order_by(Unit.path)).all()
    if not units:
        return []
    subtree = select(Unit.id).where(Unit.path.startswith(unit.path, autoescape=True))
    found: dict[tuple[str, Any, int], str] = {}
    if months:
        for unit_id, month, status in db.session.execute(
                select(MonthReview.unit_id, MonthReview.month, MonthReview.status)
                .where(MonthReview.unit_id.in_(subtree), MonthReview.month >= months[0],
                       MonthReview.month <= months[-1])):
            found["month", month, unit_id] = status
    if years:
        for unit_id, year, status in db.session.execute(
                select(YearReview.unit_id, YearReview.year, YearReview.status)
                .where(YearReview.unit_id.in_(subtree), YearReview.year.in_(years))):
            found["year", year, unit_id] = status
    grouped: dict[tuple[str, Any, str], list[tuple[int, str, int]]] = {}
    for kind, periods in (("month", months), ("year", years)):
        for period in periods:
            for unit_id, name, officers in units:
                status = found.get((kind, period, unit_id), NOT_OPENED)
                if status != MonthStatus.final.value:
                    grouped.setdefault((kind, period, status), []).append((unit_id, name, officers))
    return [NotFinal(kind, period, status, tuple(members))
            for (kind, period, status), members in sorted(
                grouped.items(), key=lambda kv: (kv[0][0] == "year", kv[0][1], _STATE_ORDER.get(kv[0][2], 9)))]


def not_final_token(items: list[NotFinal]) -> str:
    """What a confirmation of publishing names: the periods and units not final that it was shown (not their
    states). Publishing is refused if they differ from those found at that moment."""
    keys = sorted(f"{item.kind}:{item.code}:{unit_id}" for item in items for unit_id, _name, _n in item.units)
    return hashlib.sha256("|".join(keys).encode()).hexdigest()[:20] if keys else ""


class NotFinalUnconfirmed(ServiceError):
    """Publishing a round whose rules read periods not final, without a confirmation naming those periods."""

    def __init__(self, items: list[NotFinal]):
        self.items = items
        periods = len({(item.kind, item.period) for item in items})
        super().__init__(ngettext(
            "%(num)d period the round's rules read is not final for some of its units: read which, then confirm "
            "that you publish the list without their results.",
            "%(num)d periods the round's rules read are not final for some of its units: read which, then "
            "confirm that you publish the list without their results.", periods), "not_final")


def publish_round(round_: PromotionRound, data: dict | None, actor: Person) -> int:
    """Freeze the stored list as HR has seen it: later data changes never alter a published round. Refused
    while the list is not judged by the round's rules (see ``publishable``), and, while months or years its
    rules read are not final (see ``not_final``), unless ``data["not_final"]`` confirms those very periods
    (``not_final_token``). The audit event names them."""
    unit = db.session.get(Unit, round_.unit_id)
    require_hr(actor, unit)
    round_ = db.session.scalar(select(PromotionRound).where(PromotionRound.id == round_.id).with_for_update()
                               .execution_options(populate_existing=True))
    if round_.status != "draft":
        raise Conflict(_("This round has already been published."))
    if not publishable(round_):
        raise ServiceError(_("The list is not judged by the round's rules yet: publish it once it is."))
    missing = not_final(round_)
    if missing and (data or {}).get("not_final") != not_final_token(missing):
        raise NotFinalUnconfirmed(missing)
    round_.status, round_.published_at = "published", utcnow()
    db.session.flush()
    audit.record(actor, "round.published", "promotion_round", round_.id, unit_id=unit.id,
                 after={"candidates": round_.counts["total"], "eligible": round_.counts["eligible"],
                        "computed_at": round_.computed_at.isoformat(),
                        "periods_not_final": len({(item.kind, item.period) for item in missing}),
                        "not_final": [{"period": item.code, "status": item.status,
                                       "units": [name for _id, name, _n in item.units]} for item in missing]})
    notifications.round_published(round_)
    return round_.counts["total"]


def what_if(round_: PromotionRound, unit: Unit, tried_policy: dict, shown: int = WHAT_IF_SHOWN):
    """Who would enter and who would leave the stored list's eligible officers under other rules, judged live
    and saved nowhere: (entered, left, number entering, number leaving), the first ``shown`` of each as
    (name, badge), best first."""
    stored = {pid: (position, name, badge) for pid, position, name, badge in db.session.execute(
        select(PromotionCandidate.person_id, PromotionCandidate.position, PromotionCandidate.name,
               PromotionCandidate.badge)
        .where(PromotionCandidate.round_id == round_.id, PromotionCandidate.eligible.is_(True)))}
    tried = sorted((e.sort_key, person.id, person.name, person.badge)
                   for person, e in _judged(tried_policy, unit, round_.reference_date) if e.eligible)
    after = {pid for _key, pid, _name, _badge in tried}
    entered = [(name, badge) for _key, pid, name, badge in tried if pid not in stored]
    left = [(name, badge) for pid, (_position, name, badge) in sorted(stored.items(), key=lambda kv: kv[1][0])
            if pid not in after]
    return entered[:shown], left[:shown], len(entered), len(left)


# --- The year's warning and removal lists ----------------------------------------------------------------------------


@dataclass(frozen=True)
class YearLists:
    """诫勉 and 免职 candidates of a unit's year: (officer, evaluation) pairs, and why a list is empty (a phrase)."""
    removal: list
    warning: list
    reason: Any


def year_lists(unit: Unit, year: int) -> YearLists:
    """The bottom 3% of the annual ranking, two years running (removal) or in the year (warning talk; those on the
    removal list are not listed twice), among the officers of the unit's subtree at the year's end. Computed live,
    by the page and by whatever records what was done about it."""
    reference = date(year + 1, 1, 1)
    people, facts = facts_in(unit, date(year, 12, 31))
    by_id = {p.id: p for p in people}
    removal = [(by_id[e.person_id], e) for e in evaluate(DEFAULT_POLICIES["removal"], facts, reference) if e.eligible]
    removed = {p.id for p, _e in removal}
    warning = [(by_id[e.person_id], e) for e in evaluate(DEFAULT_POLICIES["warning_talk"], facts, reference)
               if e.eligible and e.person_id not in removed]
    # An empty list says why: nobody ranked, groups too small for a place at the share, or places not taken.
    sizes = [f.annual[year][1] for f in facts if year in f.annual]
    share = Decimal(DEFAULT_POLICIES["warning_talk"]["rules"][0]["params"]["bottom"])
    return YearLists(removal=removal, warning=warning, reason=why_empty(share, sizes))
