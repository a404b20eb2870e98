"""Reading a promotion round's stored list: the counts of the whole round, a filtered page, every row for a
spreadsheet. A page reads the same few statements whether the round holds ten officers or a province's 100,000."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

from sqlalchemy import func, or_, select

from models import Person, PromotionCandidate, PromotionRound, Role, Unit
from worklog.extensions import db
from worklog.permissions import unit_scope_clause

#: Rows fetched at a time when every row is read (the spreadsheet): never the whole province at once.
CHUNK = 2000
#: What the list can show: everybody, the eligible, those not eligible, or those failing rule i ("rule-i").
SHOW = ("", "eligible", "not")


@dataclass(frozen=True)
class RuleCount:
    index: int
    label: str
    failing: int


@dataclass(frozen=True)
class Counts:
    """The whole round's numbers: officers, eligible, and for each rule the officers failing it (one officer may
    fail several)."""
    total: int
    eligible: int
    rules: list[RuleCount]

    @property
    def not_eligible(self) -> int:
        return self.total - self.eligible


@dataclass(frozen=True)
class Filters:
    """Which rows of the list to show: officers of a unit (and the units under it), eligible or not or failing
    one rule, whose name or badge number contains a text."""
    unit: Unit | None = None
    show: str = ""
    q: str = ""

    @property
    def active(self) -> bool:
        return self.unit is not None or bool(self.show) or bool(self.q)

    def args(self) -> dict[str, Any]:
        """The filters as a page's query arguments (for the pager's and the print view's links)."""
        return {k: v for k, v in (("unit", self.unit.id if self.unit else None), ("show", self.show),
                                  ("q", self.q)) if v}


def rule_labels(round_: PromotionRound) -> list[str]:
    """Each rule of the round by name: its label if the policy gives one, else what it requires (in the reader's
    language)."""
    from worklog.explanations import rule_name
    return [rule_name(rule) for rule in round_.policy.get("rules", [])]


def show_choice(value: str | None, round_: PromotionRound) -> str:
    """The ``show`` argument if it names something the list can show, else "" (everybody)."""
    value = (value or "").strip()
    if value in SHOW:
        return value
    if value.startswith("rule-") and value[5:].isascii() and value[5:].isdigit() \
            and int(value[5:]) < len(round_.policy.get("rules", [])):
        return value
    return ""


def counts(round_: PromotionRound) -> Counts:
    """The numbers stored with the list (none before it is first judged)."""
    stored = round_.counts or {}
    failing = list(stored.get("failing", []))
    return Counts(total=stored.get("total", 0), eligible=stored.get("eligible", 0),
                  rules=[RuleCount(i, label, failing[i] if i < len(failing) else 0)
                         for i, label in enumerate(rule_labels(round_))])


def _where(query, round_: PromotionRound, filters: Filters):
    query = query.where(PromotionCandidate.round_id == round_.id)
    if filters.unit is not None:
        query = query.where(PromotionCandidate.unit_id.in_(
            select(Unit.id).where(Unit.path.startswith(filters.unit.path, autoescape=True))))
    if filters.show == "eligible":
        query = query.where(PromotionCandidate.eligible.is_(True))
    elif filters.show == "not":
        query = query.where(PromotionCandidate.eligible.is_(False))
    elif filters.show.startswith("rule-"):
        query = query.where(PromotionCandidate.failed.bitwise_and(1 << int(filters.show[5:])) != 0)
    if filters.q:
        # Escaped, so that "_" or "%" in a search is a character and not a wildcard.
        query = query.where(or_(PromotionCandidate.badge.icontains(filters.q, autoescape=True),
                                PromotionCandidate.name.icontains(filters.q, autoescape=True)))
    return query


def matching(round_: PromotionRound, filters: Filters, whole: Counts) -> int:
    """How many rows the filters keep (the whole round's count without a filter: no statement)."""
    if not filters.active:
        return whole.total
    return db.session.scalar(_where(select(func.count()).select_from(PromotionCandidate), round_, filters)) or 0


def _rows():
    return (select(PromotionCandidate.position, PromotionCandidate.person_id, PromotionCandidate.badge,
                   PromotionCandidate.name, PromotionCandidate.eligible, PromotionCandidate.checks,
                   PromotionCandidate.ties, Unit.name.label("unit_name"))
            .outerjoin(Unit, Unit.id == PromotionCandidate.unit_id))


def page(round_: PromotionRound, filters: Filters, number: int, per_page: int) -> list[Any]:
    """One page of the rows the filters keep, in the list's order. Unfiltered, the page is a range of places
    (1 to n, each once), read from the index however deep the page; filtered, an OFFSET."""
    query = _where(_rows(), round_, filters).order_by(PromotionCandidate.position)
    if filters.active:
        query = query.offset((number - 1) * per_page)
    else:
        query = query.where(PromotionCandidate.position > (number - 1) * per_page)
    return db.session.execute(query.limit(per_page)).all()


def every_row(round_: PromotionRound) -> Iterator[Any]:
    """Every row of the list in its order, fetched ``CHUNK`` at a time (a server-side cursor on PostgreSQL)."""
    yield from db.session.execute(_where(_rows(), round_, Filters()).order_by(PromotionCandidate.position)
                                  .execution_options(yield_per=CHUNK))


def units_under(unit: Unit) -> list[Any]:
    """The unit and every unit under it, in tree order, for the page's choice of unit: (id, name, path)."""
    return db.session.execute(select(Unit.id, Unit.name, Unit.path)
                              .where(Unit.path.startswith(unit.path, autoescape=True)).order_by(Unit.path)).all()


def round_unit_choices(person: Person) -> list[tuple[int, str]]:
    """Every active unit HR may make a round for (its grants and every unit under them), in tree order, each named
    with the units above it inside that scope ("City A › County A1") so that two counties of one name in two
    cities, or a city and its county, are told apart. The province's own name is left off the units under it:
    it would begin every line. One statement."""
    rows = db.session.execute(select(Unit.id, Unit.name, Unit.path, Unit.parent_id)
                              .where(unit_scope_clause(person, Role.hr), Unit.active.is_(True))
                              .order_by(Unit.path)).all()
    by_id = {row.id: row for row in rows}
    named = []
    for row in rows:
        chain = [by_id[int(part)] for part in row.path.strip("/").split("/") if part and int(part) in by_id]
        if len(chain) > 1 and chain[0].parent_id is None:
            chain = chain[1:]
        named.append((row.id, " › ".join(unit.name for unit in chain)))
    return named


def rounds_in_scope(person: Person) -> list[PromotionRound]:
    """The rounds of every unit in HR's scope (a round made for a county by the city's HR among them), newest
    first, each with its unit."""
    from sqlalchemy.orm import contains_eager
    return list(db.session.scalars(select(PromotionRound).join(Unit, Unit.id == PromotionRound.unit_id)
                                   .where(unit_scope_clause(person, Role.hr))
                                   .options(contains_eager(PromotionRound.unit))
                                   .order_by(PromotionRound.id.desc())))
