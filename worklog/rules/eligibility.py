"""HR eligibility lists (DESIGN §6) from rules kept as data: a new threshold or combination of rules is a new
policy, not new code.

A policy is a JSON-like dict::

    {"label": "...",                      # optional
     "rules": [{"key": "excellent_months", "label": "...",   # the label: optional
                "kind": "grade_count",
                "params": {"grade": "excellent", "months": 12, "at_least": 4}}, ...],
     "tie_breakers": [{"kind": "grade_count", "params": {"grade": "excellent", "months": 12}}, ...]}

An officer is eligible when every rule passes. ``evaluate`` explains every rule for every officer and orders
the officers eligible first, then by the tie-breakers, then by person id.

Windows and boundaries, all relative to the reference date (e.g. a promotion round's):

- Months: the N calendar months before the reference date's month. Reference 2026-11-15, N = 12 → 2025-11 to
  2026-10; the reference month itself is not finished and does not count.
- Vetoes: the same N months plus the days of the reference month up to and including the reference date
  (2025-11-01 to 2026-11-15); later vetoes are ignored.
- Years: the latest finished year is the year before the reference date's; "the last n years" are the n
  years up to and including it (reference 2026-11-15, n = 2 → 2024 and 2025).
- Service: whole calendar months from the hire date (a hire on the 31st completes a month on the last day of
  a shorter month; a 29 February hire completes a year on 28 February), compared with the years asked × 12.
- Top p (``annual_percentile``): rank ÷ group size ≤ p, with competition ranks ("1224"). Group of 10 at 30%:
  ranks 1–3; group of 7: 30% of 7 = 2.1, ranks 1–2. Tied officers share their best rank, so a tie whose
  first place is within the cut is in whole: two tied at rank 3 of 10 are both in, and the list can be
  longer than p × n.
- Rounding (both percentiles' ``rounding``): the share gives floor(p × n) places by default, the source's reading
  ("down"); "up" gives ceil(p × n) and "nearest" rounds halves up. ``min_group`` (default 1) leaves a group
  smaller than it with no place at all. At 3%: a group of 7 has 0 places down, 1 up, 0 nearest (0.21); 33 has 0,
  1, 1 (0.99); 34 has 1, 2, 1 (1.02); 67 has 2, 3, 2 (2.01).
- Bottom p (``bottom_percentile``): the officer's place counted from the bottom, n − rank + 1, ≤ p × n.
  Group of 100 at 3%: ranks 98–100; fewer than 34 officers: no one (3% of 33 is under one place). Tied
  officers share their best rank here too, so a tie that straddles the cut is out whole: the benefit of a
  tie goes to the officer, in for a promotion, out for a warning or removal list. (Read literally, "rank ÷ n
  ≥ 1 − p" would list rank 97 of 100 as well, four officers in a bottom 3%; the place from the bottom is
  the mirror of the top-p rule.)

The system flags; people decide: a missing fact (no ranking for a year, no hire date) fails the rule that
needs it and says so.
"""
from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Callable, Mapping

from worklog.rules.grading import GRADES
from worklog.rules.phrases import Phrase, RuleProblem, phrase

#: Rule kinds; their parameters are in ``RULE_PARAMS``.
RULE_KINDS = ("grade_count", "annual_percentile", "bottom_percentile", "service_years", "no_veto", "rank_in")
#: Tie-breaker kinds. More comes first for each; person id settles what is left.
TIE_BREAKER_KINDS = ("grade_count", "annual_score", "service_years")
#: The only scope of an annual ranking the facts carry (one unit, one sequence).
SCOPES = ("unit_sequence",)

_MAX_MONTHS = 120  # catches typing mistakes, like the rule sets' day bounds
#: A round stores the rules an officer failed as the bits of one integer column.
MAX_RULES = 30
_MAX_YEARS = 10
_MAX_GROUP = 10_000
_PERCENT_STEP = Decimal("0.0001")


# ---------------------------------------------------------------------------------------------------- facts

@dataclass(frozen=True)
class OfficerFacts:
    """What an officer's record says, gathered by the caller.

    ``monthly_grades`` maps the first day of a month to its final grade; ``annual`` maps a year to
    (rank, group size, annual score) within the officer's unit and sequence that year.
    """
    person_id: int
    monthly_grades: Mapping[date, str] = field(default_factory=dict)
    vetoes: list[date] = field(default_factory=list)
    annual: Mapping[int, tuple[int, int, Decimal]] = field(default_factory=dict)
    hire_date: date | None = None
    rank: str = ""


@dataclass(frozen=True)
class RuleCheck:
    """One line of an evaluation: the rule's key and label (the policy writer's name for it, often empty), what
    the officer has (``value``), what the rule requires at this reference date (``threshold``), pass/fail.
    Value and threshold are phrases (worded by ``worklog.explanations``), or the officer's rank as it is."""
    key: str
    label: str
    value: Phrase | str
    threshold: Phrase
    passed: bool


@dataclass(frozen=True)
class Evaluation:
    person_id: int
    eligible: bool
    checks: list[RuleCheck]
    #: What ``evaluate`` sorted by: 0 if eligible else 1, then each tie-breaker as a value where smaller comes
    #: first (counts, scores and months negated; a missing annual score after every present one), then the
    #: person id.
    sort_key: tuple
    #: Each tie-breaker's value as it is shown: a count, an annual score (a string) or months of service; None where
    #: the officer has none.
    ties: tuple = ()


# ---------------------------------------------------------------------------------------------------- dates

def _is_date(value: Any) -> bool:
    return isinstance(value, date) and not isinstance(value, datetime)


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def _month_start(index: int) -> date:
    year, month0 = divmod(index, 12)
    return date(year, month0 + 1, 1)


def add_months(day: date, months: int) -> date:
    """The same day ``months`` calendar months later (or earlier), the last day of the month if shorter."""
    year, month0 = divmod(_month_index(day) + months, 12)
    return date(year, month0 + 1, min(day.day, monthrange(year, month0 + 1)[1]))


def month_window(reference: date, months: int) -> tuple[date, date]:
    """First days of the first and last of the ``months`` calendar months before the reference month."""
    current = _month_index(reference)
    return _month_start(current - months), _month_start(current - 1)


def service_months(hire_date: date, reference: date) -> int:
    """Whole months of service at the reference date (0 before the hire date)."""
    months = _month_index(reference) - _month_index(hire_date)
    if add_months(hire_date, months) > reference:
        months -= 1
    return max(months, 0)


def finished_years(reference: date, years: int) -> list[int]:
    """The last ``years`` finished years before the reference date's year, oldest first."""
    return list(range(reference.year - years, reference.year))


# ---------------------------------------------------------------------------------------------------- policy

def _whole(low: int, high: int) -> Callable[[Any], int]:
    def parse(raw: Any) -> int:
        if isinstance(raw, str) and raw.strip().isascii() and raw.strip().isdigit():
            raw = int(raw.strip())
        if not isinstance(raw, int) or isinstance(raw, bool):
            raise RuleProblem("value.whole")
        if not low <= raw <= high:
            raise RuleProblem("value.whole_between", low=low, high=high)
        return raw
    return parse


def _decimal(raw: Any) -> Decimal:
    if isinstance(raw, bool):
        raise RuleProblem("value.number")
    if isinstance(raw, (Decimal, int)):
        value = Decimal(raw)
    elif isinstance(raw, (str, float)):
        try:
            value = Decimal(str(raw).strip())  # through str, so 0.3 is 0.3
        except InvalidOperation:
            raise RuleProblem("value.number") from None
    else:
        raise RuleProblem("value.number")
    if not value.is_finite():
        raise RuleProblem("value.number")
    return value


def _fraction(raw: Any) -> Decimal:
    value = _decimal(raw)
    if not 0 < value <= 1:
        raise RuleProblem("value.fraction")
    if value != value.quantize(_PERCENT_STEP):
        raise RuleProblem("value.fraction_step")
    return value


def _service(raw: Any) -> Decimal:
    value = _decimal(raw)
    if not 0 <= value <= 50:
        raise RuleProblem("value.service_between", low=0, high=50)
    if (value * 12) % 1:
        raise RuleProblem("value.service_months")
    return value


def _grade(raw: Any) -> str:
    if raw not in GRADES:
        raise RuleProblem("value.grade")
    return raw


def _scope(raw: Any) -> str:
    if raw not in SCOPES:
        raise RuleProblem("value.scope")
    return raw


#: How a share of a group becomes whole places: rounded down (the source's reading, the default), up, or to the
#: nearest (halves up).
ROUNDINGS = ("down", "up", "nearest")


def _rounding(raw: Any) -> str:
    if raw not in ROUNDINGS:
        raise RuleProblem("value.rounding")
    return raw


def _ranks(raw: Any) -> tuple[str, ...]:
    if not isinstance(raw, (list, tuple)) or not raw:
        raise RuleProblem("value.ranks")
    if not all(isinstance(r, str) and r.strip() for r in raw):
        raise RuleProblem("value.ranks")
    return tuple(r.strip() for r in raw)


#: A kind's parameters: name → (parser, required).
_Spec = dict[str, tuple[Callable[[Any], Any], bool]]

RULE_PARAMS: dict[str, _Spec] = {
    "grade_count": {"grade": (_grade, True), "months": (_whole(1, _MAX_MONTHS), True),
                    "at_least": (_whole(0, _MAX_MONTHS), True)},
    "annual_percentile": {"max_percentile": (_fraction, True), "years": (_whole(1, _MAX_YEARS), True),
                          "scope": (_scope, False), "rounding": (_rounding, False),
                          "min_group": (_whole(1, _MAX_GROUP), False)},
    "bottom_percentile": {"bottom": (_fraction, True), "years": (_whole(1, _MAX_YEARS), True),
                          "scope": (_scope, False), "rounding": (_rounding, False),
                          "min_group": (_whole(1, _MAX_GROUP), False)},
    "service_years": {"at_least": (_service, True)},
    "no_veto": {"months": (_whole(1, _MAX_MONTHS), True)},
    "rank_in": {"ranks": (_ranks, True)},
}
TIE_BREAKER_PARAMS: dict[str, _Spec] = {
    "grade_count": {"grade": (_grade, True), "months": (_whole(1, _MAX_MONTHS), True)},
    "annual_score": {},
    "service_years": {},
}


@dataclass(frozen=True)
class _Rule:
    key: str
    label: str
    kind: str
    params: dict[str, Any]


def _parse_params(where: dict[str, int], kind: str, raw: Any, spec: _Spec,
                  problems: list[RuleProblem]) -> dict[str, Any]:
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        problems.append(RuleProblem("policy.params_not_mapping", **where))
        return {}
    params: dict[str, Any] = {}
    unknown = sorted(str(k) for k in raw if k not in spec)
    if unknown:
        problems.append(RuleProblem("policy.unknown_params", names=", ".join(unknown), **where))
    for name, (parse, required) in spec.items():
        if name not in raw or (isinstance(raw[name], str) and not raw[name].strip()):
            if required:
                problems.append(RuleProblem("policy.param_missing", param=name, **where))
            continue
        try:
            params[name] = parse(raw[name])
        except RuleProblem as problem:
            problems.append(RuleProblem(problem.code, param=name, **problem.args_, **where))
    return params


def _parse_policy(policy: Any) -> tuple[list[_Rule], list[_Rule], list[RuleProblem]]:
    problems: list[RuleProblem] = []
    if not isinstance(policy, Mapping):
        return [], [], [RuleProblem("policy.not_mapping")]
    unknown = sorted(str(k) for k in policy if k not in ("label", "rules", "tie_breakers"))
    if unknown:
        problems.append(RuleProblem("policy.unknown_fields", names=", ".join(unknown)))
    if "label" in policy and not isinstance(policy["label"], str):
        problems.append(RuleProblem("policy.label_not_text"))

    rules: list[_Rule] = []
    raw_rules = policy.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        problems.append(RuleProblem("policy.no_rules"))
        raw_rules = []
    elif len(raw_rules) > MAX_RULES:
        problems.append(RuleProblem("policy.too_many_rules", most=MAX_RULES))
    keys: set[str] = set()
    for i, raw in enumerate(raw_rules):
        where = {"rule": i + 1}
        if not isinstance(raw, Mapping):
            problems.append(RuleProblem("policy.not_mapping", **where))
            continue
        unknown = sorted(str(k) for k in raw if k not in ("key", "label", "kind", "params"))
        if unknown:
            problems.append(RuleProblem("policy.unknown_fields", names=", ".join(unknown), **where))
        key, label, kind = raw.get("key"), raw.get("label", ""), raw.get("kind")
        if not isinstance(key, str) or not key.strip():
            problems.append(RuleProblem("policy.key_missing", **where))
            key = ""
        else:
            if key in keys:
                problems.append(RuleProblem("policy.key_twice", key=key, **where))
            keys.add(key)
        # The label is the policy writer's own name for the rule, and may be left out: the pages say what the
        # rule requires from its kind and parameters, so a changed threshold never contradicts its name.
        if not isinstance(label, str):
            problems.append(RuleProblem("policy.label_not_text", **where))
            label = ""
        if kind not in RULE_KINDS:
            problems.append(RuleProblem("policy.kind_unknown", **where))
            continue
        params = _parse_params(where, kind, raw.get("params"), RULE_PARAMS[kind], problems)
        if kind == "grade_count" and params.get("at_least", 0) > params.get("months", _MAX_MONTHS):
            problems.append(RuleProblem("policy.at_least_over_months", **where))
        rules.append(_Rule(key, label.strip(), kind, params))

    breakers: list[_Rule] = []
    raw_breakers = policy.get("tie_breakers", [])
    if not isinstance(raw_breakers, list):
        problems.append(RuleProblem("policy.tie_breakers_not_list"))
        raw_breakers = []
    for i, raw in enumerate(raw_breakers):
        where = {"tie_breaker": i + 1}
        if not isinstance(raw, Mapping):
            problems.append(RuleProblem("policy.not_mapping", **where))
            continue
        unknown = sorted(str(k) for k in raw if k not in ("label", "kind", "params"))
        if unknown:
            problems.append(RuleProblem("policy.unknown_fields", names=", ".join(unknown), **where))
        kind = raw.get("kind")
        if kind not in TIE_BREAKER_KINDS:
            problems.append(RuleProblem("policy.kind_unknown", **where))
            continue
        params = _parse_params(where, kind, raw.get("params"), TIE_BREAKER_PARAMS[kind], problems)
        breakers.append(_Rule("", str(raw.get("label", "")), kind, params))
    return rules, breakers, problems


def validate_policy(policy: Any) -> list[RuleProblem]:
    """Every problem with a policy, each a code with the rule (or tie-breaker) and parameter it concerns, for
    the form layer to word; an empty list means usable."""
    return _parse_policy(policy)[2]


def rule_phrase(kind: str, params: Mapping[str, Any]) -> Phrase:
    """What a rule requires, from its kind and (parsed or raw) parameters, whatever the reference date:
    "at least 4 excellent monthly grades in the 12 months before the reference date"."""
    p = dict(params)
    for name in ("max_percentile", "bottom"):
        if name in p:
            try:
                p[name] = _percent(_fraction(p[name]))
            except RuleProblem:
                p[name] = str(p[name])
    if "at_least" in p and kind == "service_years":
        p["at_least"] = str(p["at_least"])
    if "ranks" in p:
        p["ranks"] = ", ".join(str(r) for r in p["ranks"]) if isinstance(p["ranks"], (list, tuple)) \
            else str(p["ranks"])
    p.pop("scope", None)
    rounding, min_group = p.pop("rounding", "down"), p.pop("min_group", 1)
    required = phrase("requires." + kind, **p)
    if (rounding, min_group) != ("down", 1):
        return phrase("rounded", rule=required, rounding=phrase("rounding." + str(rounding)), min_group=min_group)
    return required


# ------------------------------------------------------------------------------------------ facts check

def _validate_facts(facts_list: list[OfficerFacts]) -> None:
    seen: set[int] = set()
    for f in facts_list:
        who = f"person {f.person_id}"
        if f.person_id in seen:
            raise ValueError(f"{who} appears twice")
        seen.add(f.person_id)
        for month, grade in f.monthly_grades.items():
            if not _is_date(month) or month.day != 1:
                raise ValueError(f"{who}: monthly grades are keyed by a month's first day, not {month!r}")
            if grade not in GRADES:
                raise ValueError(f"{who}: unknown grade {grade!r} for {month:%Y-%m}")
        if not all(_is_date(d) for d in f.vetoes):
            raise ValueError(f"{who}: vetoes must be dates")
        for year, entry in f.annual.items():
            if not isinstance(year, int) or isinstance(year, bool) or not isinstance(entry, tuple) \
                    or len(entry) != 3:
                raise ValueError(f"{who}: annual facts are year → (rank, group size, score)")
            rank, size, score = entry
            if not all(isinstance(v, int) and not isinstance(v, bool) for v in (rank, size)) \
                    or not 1 <= rank <= size:
                raise ValueError(f"{who}: rank {rank!r} of {size!r} in {year} is not a place in the group")
            if not isinstance(score, Decimal) or not score.is_finite():
                raise ValueError(f"{who}: the {year} annual score must be a finite Decimal")
        if f.hire_date is not None and not _is_date(f.hire_date):
            raise ValueError(f"{who}: the hire date must be a date")
        if not isinstance(f.rank, str):
            raise ValueError(f"{who}: the rank must be a text")


# ---------------------------------------------------------------------------------------------------- rules

def _percent(fraction: Decimal) -> str:
    text = f"{(fraction * 100).quantize(Decimal('0.01')):f}"
    return (text.rstrip("0").rstrip(".") if "." in text else text) + "%"


def _number(value: Decimal) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _service(months: int) -> Phrase:
    years, rest = divmod(months, 12)
    if years and rest:
        return phrase("service.years_months", years=years, months=rest)
    return phrase("service.years", years=years) if years else phrase("service.months", months=rest)


def _ranks_phrase(first: int, last: int) -> Phrase:
    if first > last:
        return phrase("ranks.no_one")
    return phrase("ranks.one", rank=first) if first == last else phrase("ranks.range", first=first, last=last)


def _years_phrase(years: list[int]) -> Phrase:
    if len(years) == 1:
        return phrase("years.one", year=years[0])
    return phrase("years.each", years=", ".join(str(y) for y in years))


def places(fraction: Decimal, size: int, rounding: str = "down", min_group: int = 1) -> int:
    """Whole places a share of a group gives: fraction × size rounded down (floor), up (ceiling) or to the nearest
    (halves up); none in a group smaller than ``min_group``."""
    if size < min_group:
        return 0
    mode = {"down": ROUND_FLOOR, "up": ROUND_CEILING, "nearest": ROUND_HALF_UP}[rounding]
    return int((fraction * size).to_integral_value(rounding=mode))


def smallest_group_with_a_place(fraction: Decimal, rounding: str = "down", min_group: int = 1) -> int:
    """The fewest officers a ranking group needs for the share to give it one place."""
    size = max(1, min_group)
    while places(fraction, size, rounding, min_group) < 1:
        size += 1
    return size


def why_empty(fraction: Decimal, sizes: list[int], rounding: str = "down", min_group: int = 1) -> Phrase:
    """Why a list drawn from a share of the rankings is empty, given the group sizes of the officers ranked (one
    entry per officer): nobody ranked; no group big enough for a place; or the places went to nobody (a tie across
    the cut is left out whole, or another rule failed)."""
    if not sizes:
        return phrase("empty.not_ranked")
    needed = smallest_group_with_a_place(fraction, rounding, min_group)
    if max(sizes) < needed:
        return phrase("empty.groups_too_small", percent=_percent(fraction), largest=max(sizes), needed=needed,
                      rounding=phrase("rounding." + rounding))
    return phrase("empty.places_not_taken", percent=_percent(fraction))


def _grade_count(f: OfficerFacts, grade: str, months: int, reference: date) -> tuple[int, date, date]:
    first, last = month_window(reference, months)
    count = sum(1 for month, g in f.monthly_grades.items() if g == grade and first <= month <= last)
    return count, first, last


def _check(rule: _Rule, f: OfficerFacts, reference: date) -> RuleCheck:
    """A rule's line: what it requires, with this reference date's window (``threshold``), and what the officer
    has (``value``), both phrases."""
    p = rule.params

    def line(value: Phrase | str, threshold: Phrase, passed: bool) -> RuleCheck:
        return RuleCheck(rule.key, rule.label, value, threshold, passed)

    if rule.kind == "grade_count":
        count, first, last = _grade_count(f, p["grade"], p["months"], reference)
        return line(phrase("has.grade_count", count=count, grade=p["grade"], first=f"{first:%Y-%m}",
                           last=f"{last:%Y-%m}"),
                    phrase("requires.grade_count", at_least=p["at_least"], grade=p["grade"], months=p["months"]),
                    count >= p["at_least"])

    if rule.kind in ("annual_percentile", "bottom_percentile"):
        top = rule.kind == "annual_percentile"
        fraction = p["max_percentile"] if top else p["bottom"]
        rounding, min_group = p.get("rounding", "down"), p.get("min_group", 1)
        years = finished_years(reference, p["years"])
        values, passed = [], True
        for year in years:
            if year not in f.annual:
                values.append(phrase("has.not_ranked", year=year))
                passed = False
                continue
            rank, size, _ = f.annual[year]
            cut_places = places(fraction, size, rounding, min_group)
            if size < min_group:
                within = False
                cut = phrase("cut.too_small", size=size, min_group=min_group)
            elif top:
                within = rank <= cut_places
                cut = phrase("cut.top", percent=_percent(fraction), ranks=_ranks_phrase(1, cut_places))
            else:
                within = size - rank + 1 <= cut_places
                cut = phrase("cut.bottom", percent=_percent(fraction),
                             ranks=_ranks_phrase(size - cut_places + 1, size))
            values.append(phrase("has.ranked", year=year, rank=rank, size=size,
                                 share=_percent(Decimal(rank) / size), cut=cut))
            passed = passed and within
        threshold = phrase("in_years." + rule.kind, percent=_percent(fraction), years=_years_phrase(years))
        if (rounding, min_group) != ("down", 1):
            # Said only where it differs from the default, so that the lists judged before read as they did.
            threshold = phrase("rounded", rule=threshold, rounding=phrase("rounding." + rounding),
                               min_group=min_group)
        return line(phrase("has.years", each=values), threshold, passed)

    if rule.kind == "service_years":
        threshold = phrase("requires.service_years", at_least=_number(p["at_least"]))
        if f.hire_date is None:
            return line(phrase("has.no_hire_date"), threshold, False)
        months = service_months(f.hire_date, reference)
        return line(phrase("has.service", service=_service(months), hired=f"{f.hire_date:%Y-%m-%d}"), threshold,
                    months >= p["at_least"] * 12)

    if rule.kind == "no_veto":
        first, _ = month_window(reference, p["months"])
        found = sorted(d for d in f.vetoes if first <= d <= reference)
        value = phrase("has.no_veto") if not found else \
            phrase("has.vetoes", count=len(found), days=", ".join(f"{d:%Y-%m-%d}" for d in found))
        return line(value, phrase("in_window.no_veto", first=f"{first:%Y-%m-%d}", last=f"{reference:%Y-%m-%d}"),
                    not found)

    if rule.kind == "rank_in":
        rank = f.rank.strip()
        return line(rank or phrase("has.no_rank"), phrase("requires.rank_in", ranks=", ".join(p["ranks"])),
                    rank in p["ranks"])

    raise AssertionError(f"unhandled rule kind {rule.kind}")  # pragma: no cover - validated above


def _tie_values(breaker: _Rule, f: OfficerFacts, reference: date) -> tuple:
    """Smaller comes first."""
    if breaker.kind == "grade_count":
        return (-_grade_count(f, breaker.params["grade"], breaker.params["months"], reference)[0],)
    if breaker.kind == "annual_score":
        latest = reference.year - 1
        if latest not in f.annual:
            return (1, Decimal(0))
        return (0, -f.annual[latest][2])
    if breaker.kind == "service_years":
        return (-service_months(f.hire_date, reference) if f.hire_date is not None else 1,)
    raise AssertionError(f"unhandled tie-breaker {breaker.kind}")  # pragma: no cover - validated above


def _tie_shown(breaker: _Rule, f: OfficerFacts, reference: date) -> int | str | None:
    """A tie-breaker's value as people read it (what ``_tie_values`` orders by)."""
    if breaker.kind == "grade_count":
        return _grade_count(f, breaker.params["grade"], breaker.params["months"], reference)[0]
    if breaker.kind == "annual_score":
        latest = reference.year - 1
        return str(f.annual[latest][2]) if latest in f.annual else None
    if breaker.kind == "service_years":
        return service_months(f.hire_date, reference) if f.hire_date is not None else None
    raise AssertionError(f"unhandled tie-breaker {breaker.kind}")  # pragma: no cover - validated above


def evaluate(policy: Any, facts_list: list[OfficerFacts], reference: date) -> list[Evaluation]:
    """Every officer against every rule of the policy, eligible first, then by the tie-breakers, then by
    person id. Raises ValueError for an invalid policy (see ``validate_policy``) or inconsistent facts."""
    rules, breakers, problems = _parse_policy(policy)
    if problems:
        raise ValueError("invalid policy: " + "; ".join(str(p) for p in problems))
    if not _is_date(reference):
        raise ValueError("the reference must be a date")
    _validate_facts(facts_list)
    evaluations = []
    for f in facts_list:
        checks = [_check(rule, f, reference) for rule in rules]
        eligible = all(c.passed for c in checks)
        key: tuple = (0 if eligible else 1,)
        for breaker in breakers:
            key += _tie_values(breaker, f, reference)
        shown = tuple(_tie_shown(breaker, f, reference) for breaker in breakers)
        evaluations.append(Evaluation(f.person_id, eligible, checks, key + (f.person_id,), shown))
    return sorted(evaluations, key=lambda e: e.sort_key)


# ------------------------------------------------------------------------------------------ defaults

#: The source's rules (DESIGN §6). Copy before changing (``copy.deepcopy``): these are shared. They carry no
#: labels: the pages name a policy by its key and say what each rule requires from its kind and parameters,
#: in the reader's language.
DEFAULT_POLICIES: dict[str, dict[str, Any]] = {
    "competitive_promotion": {
        "rules": [{"key": "excellent_months", "kind": "grade_count",
                   "params": {"grade": "excellent", "months": 12, "at_least": 4}}],
        "tie_breakers": [{"kind": "grade_count", "params": {"grade": "excellent", "months": 12}},
                         {"kind": "annual_score", "params": {}}],
    },
    "post_promotion": {
        "rules": [{"key": "annual_top_30", "kind": "annual_percentile",
                   "params": {"max_percentile": "0.30", "years": 1, "scope": "unit_sequence"}}],
        "tie_breakers": [{"kind": "annual_score", "params": {}}],
    },
    "warning_talk": {
        "rules": [{"key": "annual_bottom_3", "kind": "bottom_percentile",
                   "params": {"bottom": "0.03", "years": 1, "scope": "unit_sequence"}}],
        "tie_breakers": [],
    },
    "removal": {
        "rules": [{"key": "annual_bottom_3_twice", "kind": "bottom_percentile",
                   "params": {"bottom": "0.03", "years": 2, "scope": "unit_sequence"}}],
        "tie_breakers": [],
    },
}
