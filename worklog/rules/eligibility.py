"""HR eligibility lists (DESIGN §6) from rules kept as data: a new threshold or combination of rules is a new
policy, not new code.

A policy is a JSON-like dict::

    {"label": "...",                      # optional
     "rules": [{"key": "excellent_months", "label": "...", "kind": "grade_count",
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
from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from typing import Any, Callable, Mapping

from worklog.rules.grading import GRADES

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
    """One line of an evaluation: the rule's key and label, the officer's value, the threshold, pass/fail."""
    key: str
    label: str
    value: str
    threshold: str
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
            raise ValueError("must be a whole number")
        if not low <= raw <= high:
            raise ValueError(f"must be from {low} to {high}")
        return raw
    return parse


def _decimal(raw: Any) -> Decimal:
    if isinstance(raw, bool):
        raise ValueError("must be a number")
    if isinstance(raw, (Decimal, int)):
        value = Decimal(raw)
    elif isinstance(raw, (str, float)):
        try:
            value = Decimal(str(raw).strip())  # through str, so 0.3 is 0.3
        except InvalidOperation:
            raise ValueError("must be a number") from None
    else:
        raise ValueError("must be a number")
    if not value.is_finite():
        raise ValueError("must be a finite number")
    return value


def _fraction(raw: Any) -> Decimal:
    value = _decimal(raw)
    if not 0 < value <= 1:
        raise ValueError("must be a fraction above 0 and at most 1 (0.30 is 30%)")
    if value != value.quantize(_PERCENT_STEP):
        raise ValueError("must not be finer than 0.01%")
    return value


def _service(raw: Any) -> Decimal:
    value = _decimal(raw)
    if not 0 <= value <= 50:
        raise ValueError("must be from 0 to 50 years")
    if (value * 12) % 1:
        raise ValueError("must be a whole number of months (0.5 is six months)")
    return value


def _grade(raw: Any) -> str:
    if raw not in GRADES:
        raise ValueError("must be one of " + ", ".join(GRADES))
    return raw


def _scope(raw: Any) -> str:
    if raw not in SCOPES:
        raise ValueError("must be " + " or ".join(SCOPES))
    return raw


def _ranks(raw: Any) -> tuple[str, ...]:
    if not isinstance(raw, (list, tuple)) or not raw:
        raise ValueError("must be a non-empty list of ranks")
    if not all(isinstance(r, str) and r.strip() for r in raw):
        raise ValueError("every rank must be a non-empty text")
    return tuple(r.strip() for r in raw)


#: A kind's parameters: name → (parser, required).
_Spec = dict[str, tuple[Callable[[Any], Any], bool]]

RULE_PARAMS: dict[str, _Spec] = {
    "grade_count": {"grade": (_grade, True), "months": (_whole(1, _MAX_MONTHS), True),
                    "at_least": (_whole(0, _MAX_MONTHS), True)},
    "annual_percentile": {"max_percentile": (_fraction, True), "years": (_whole(1, _MAX_YEARS), True),
                          "scope": (_scope, False)},
    "bottom_percentile": {"bottom": (_fraction, True), "years": (_whole(1, _MAX_YEARS), True),
                          "scope": (_scope, False)},
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


def _parse_params(where: str, kind: str, raw: Any, spec: _Spec, problems: list[str]) -> dict[str, Any]:
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        problems.append(f"{where}: params must be a mapping")
        return {}
    params: dict[str, Any] = {}
    unknown = sorted(str(k) for k in raw if k not in spec)
    if unknown:
        problems.append(f"{where}: unknown parameter(s) for {kind}: " + ", ".join(unknown))
    for name, (parse, required) in spec.items():
        if name not in raw:
            if required:
                problems.append(f"{where}: {name} is missing")
            continue
        try:
            params[name] = parse(raw[name])
        except ValueError as exc:
            problems.append(f"{where}: {name} {exc}")
    return params


def _parse_policy(policy: Any) -> tuple[list[_Rule], list[_Rule], list[str]]:
    problems: list[str] = []
    if not isinstance(policy, Mapping):
        return [], [], ["a policy must be a mapping with rules and tie_breakers"]
    unknown = sorted(str(k) for k in policy if k not in ("label", "rules", "tie_breakers"))
    if unknown:
        problems.append("unknown field(s): " + ", ".join(unknown))
    if "label" in policy and not isinstance(policy["label"], str):
        problems.append("label must be a text")

    rules: list[_Rule] = []
    raw_rules = policy.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        problems.append("rules must be a non-empty list")
        raw_rules = []
    elif len(raw_rules) > MAX_RULES:
        problems.append(f"rules: at most {MAX_RULES} rules")
    keys: set[str] = set()
    for i, raw in enumerate(raw_rules):
        where = f"rules[{i}]"
        if not isinstance(raw, Mapping):
            problems.append(f"{where}: a rule must be a mapping")
            continue
        unknown = sorted(str(k) for k in raw if k not in ("key", "label", "kind", "params"))
        if unknown:
            problems.append(f"{where}: unknown field(s): " + ", ".join(unknown))
        key, label, kind = raw.get("key"), raw.get("label"), raw.get("kind")
        if not isinstance(key, str) or not key.strip():
            problems.append(f"{where}: key must be a non-empty text")
            key = ""
        else:
            where = f"rules[{i}] ({key})"
            if key in keys:
                problems.append(f"{where}: the key is used twice")
            keys.add(key)
        if not isinstance(label, str) or not label.strip():
            problems.append(f"{where}: label must be a non-empty text")
            label = ""
        if kind not in RULE_KINDS:
            problems.append(f"{where}: kind must be one of " + ", ".join(RULE_KINDS))
            continue
        params = _parse_params(where, kind, raw.get("params"), RULE_PARAMS[kind], problems)
        if kind == "grade_count" and params.get("at_least", 0) > params.get("months", _MAX_MONTHS):
            problems.append(f"{where}: at_least cannot be more than months: no one could pass")
        rules.append(_Rule(key, label, kind, params))

    breakers: list[_Rule] = []
    raw_breakers = policy.get("tie_breakers", [])
    if not isinstance(raw_breakers, list):
        problems.append("tie_breakers must be a list")
        raw_breakers = []
    for i, raw in enumerate(raw_breakers):
        where = f"tie_breakers[{i}]"
        if not isinstance(raw, Mapping):
            problems.append(f"{where}: a tie-breaker must be a mapping")
            continue
        unknown = sorted(str(k) for k in raw if k not in ("label", "kind", "params"))
        if unknown:
            problems.append(f"{where}: unknown field(s): " + ", ".join(unknown))
        kind = raw.get("kind")
        if kind not in TIE_BREAKER_KINDS:
            problems.append(f"{where}: kind must be one of " + ", ".join(TIE_BREAKER_KINDS))
            continue
        params = _parse_params(where, kind, raw.get("params"), TIE_BREAKER_PARAMS[kind], problems)
        breakers.append(_Rule("", str(raw.get("label", "")), kind, params))
    return rules, breakers, problems


def validate_policy(policy: Any) -> list[str]:
    """Every problem with a policy, each naming the rule and parameter; an empty list means usable."""
    return _parse_policy(policy)[2]


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


def _years_text(value: Decimal) -> str:
    text = f"{value:f}"
    text = text.rstrip("0").rstrip(".") if "." in text else text
    return f"{text} year" + ("" if value == 1 else "s")


def _service_text(months: int) -> str:
    years, rest = divmod(months, 12)
    parts = [f"{years} year" + ("" if years == 1 else "s")] if years else []
    if rest or not years:
        parts.append(f"{rest} month" + ("" if rest == 1 else "s"))
    return " ".join(parts)


def _ranks_text(first: int, last: int) -> str:
    if first > last:
        return "no one"
    return f"rank {first}" if first == last else f"ranks {first}–{last}"


def _years_list(years: list[int]) -> str:
    return str(years[0]) if len(years) == 1 else "each of " + ", ".join(str(y) for y in years)


def _places(fraction: Decimal, size: int) -> int:
    """Whole places a fraction of a group gives: floor(fraction × size)."""
    return int((fraction * size).to_integral_value(rounding=ROUND_FLOOR))


def _grade_count(f: OfficerFacts, grade: str, months: int, reference: date) -> tuple[int, date, date]:
    first, last = month_window(reference, months)
    count = sum(1 for month, g in f.monthly_grades.items() if g == grade and first <= month <= last)
    return count, first, last


def _check(rule: _Rule, f: OfficerFacts, reference: date) -> RuleCheck:
    p = rule.params

    def line(value: str, threshold: str, passed: bool) -> RuleCheck:
        return RuleCheck(rule.key, rule.label, value, threshold, passed)

    if rule.kind == "grade_count":
        count, first, last = _grade_count(f, p["grade"], p["months"], reference)
        return line(f"{count} {p['grade']} in {first:%Y-%m} – {last:%Y-%m}", f"≥ {p['at_least']}",
                    count >= p["at_least"])

    if rule.kind in ("annual_percentile", "bottom_percentile"):
        top = rule.kind == "annual_percentile"
        fraction = p["max_percentile"] if top else p["bottom"]
        years = finished_years(reference, p["years"])
        values, passed = [], True
        for year in years:
            if year not in f.annual:
                values.append(f"{year}: not ranked")
                passed = False
                continue
            rank, size, _ = f.annual[year]
            places = _places(fraction, size)
            if top:
                within = rank <= fraction * size  # rank ÷ size ≤ fraction, exactly
                cut = f"top {_percent(fraction)}: {_ranks_text(1, places)}"
            else:
                within = size - rank + 1 <= fraction * size
                cut = f"bottom {_percent(fraction)}: {_ranks_text(size - places + 1, size)}"
            values.append(f"{year}: rank {rank} of {size} = {_percent(Decimal(rank) / size)} ({cut})")
            passed = passed and within
        where = "top" if top else "bottom"
        return line("; ".join(values), f"{where} {_percent(fraction)} in {_years_list(years)}", passed)

    if rule.kind == "service_years":
        threshold = f"≥ {_years_text(p['at_least'])}"
        if f.hire_date is None:
            return line("no hire date", threshold, False)
        months = service_months(f.hire_date, reference)
        return line(f"{_service_text(months)} (hired {f.hire_date:%Y-%m-%d})", threshold,
                    months >= p["at_least"] * 12)

    if rule.kind == "no_veto":
        first, _ = month_window(reference, p["months"])
        found = sorted(d for d in f.vetoes if first <= d <= reference)
        value = "none" if not found else f"{len(found)}: " + ", ".join(f"{d:%Y-%m-%d}" for d in found)
        return line(value, f"no veto from {first:%Y-%m-%d} to {reference:%Y-%m-%d}", not found)

    if rule.kind == "rank_in":
        rank = f.rank.strip()
        return line(rank or "none", "one of " + ", ".join(p["ranks"]), rank in p["ranks"])

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


def evaluate(policy: Any, facts_list: list[OfficerFacts], reference: date) -> list[Evaluation]:
    """Every officer against every rule of the policy, eligible first, then by the tie-breakers, then by
    person id. Raises ValueError for an invalid policy (see ``validate_policy``) or inconsistent facts."""
    rules, breakers, problems = _parse_policy(policy)
    if problems:
        raise ValueError("invalid policy: " + "; ".join(problems))
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
        evaluations.append(Evaluation(f.person_id, eligible, checks, key + (f.person_id,)))
    return sorted(evaluations, key=lambda e: e.sort_key)


# ------------------------------------------------------------------------------------------ defaults

#: The source's rules (DESIGN §6). Copy before changing (``copy.deepcopy``): these are shared.
DEFAULT_POLICIES: dict[str, dict[str, Any]] = {
    "competitive_promotion": {
        "label": "Competitive promotion (竞争上岗)",
        "rules": [{"key": "excellent_months",
                   "label": "At least 4 monthly excellent grades in the 12 months before the reference date",
                   "kind": "grade_count", "params": {"grade": "excellent", "months": 12, "at_least": 4}}],
        "tie_breakers": [{"label": "More excellent months", "kind": "grade_count",
                          "params": {"grade": "excellent", "months": 12}},
                         {"label": "Higher annual score", "kind": "annual_score", "params": {}}],
    },
    "post_promotion": {
        "label": "Promotion of post or rank (晋职晋级)",
        "rules": [{"key": "annual_top_30",
                   "label": "Annual ranking in the top 30% of the unit, within sequence",
                   "kind": "annual_percentile",
                   "params": {"max_percentile": "0.30", "years": 1, "scope": "unit_sequence"}}],
        "tie_breakers": [{"label": "Higher annual score", "kind": "annual_score", "params": {}}],
    },
    "warning_talk": {
        "label": "Warning talk (诫勉)",
        "rules": [{"key": "annual_bottom_3",
                   "label": "Annual ranking in the bottom 3% of the unit, within sequence",
                   "kind": "bottom_percentile",
                   "params": {"bottom": "0.03", "years": 1, "scope": "unit_sequence"}}],
        "tie_breakers": [],
    },
    "removal": {
        "label": "Removal from post candidates (免职)",
        "rules": [{"key": "annual_bottom_3_twice",
                   "label": "Annual ranking in the bottom 3% of the unit, within sequence, in each of the "
                            "last 2 years",
                   "kind": "bottom_percentile",
                   "params": {"bottom": "0.03", "years": 2, "scope": "unit_sequence"}}],
        "tie_breakers": [],
    },
}
