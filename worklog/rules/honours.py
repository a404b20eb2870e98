"""Honours proposed from the grades (奖惩兑现): rules kept as data, like the eligibility policies.

A rule says which honour it proposes and what in an officer's grades puts them forward::

    {"kind": "commendation",             # the honour proposed: merit (记功), commendation (嘉奖), award (评先评优)
     "measure": "monthly_grades",        # what it reads (``MEASURES``)
     "params": {"grade": "excellent", "at_least": 6}}

- ``annual_grade``: the final annual grade of the year is ``grade`` (a year's review that is final).
- ``monthly_grades``: at least ``at_least`` final monthly grades ``grade`` among the months of the year.
- ``annual_years``: the final annual grade is ``grade`` in each of the ``years`` years up to the year.

The system flags, people decide: a proposal is one officer and one kind of honour, with every rule that put them
forward and the figures it read (as phrases, worded by ``worklog/explanations.py``); HR accepts it or not. An
officer who already holds an honour of that kind for the year is not proposed again: they are shown as honoured.
Pure: plain values in, plain values out.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from worklog.rules.grading import GRADES
from worklog.rules.phrases import Phrase, RuleProblem, phrase

#: The kinds of honour, in the order the pages show them (the model's HonourKind).
HONOUR_KINDS = ("merit", "commendation", "award")
#: What a rule may read, and its parameters.
MEASURES = {"annual_grade": ("grade",), "monthly_grades": ("grade", "at_least"), "annual_years": ("grade", "years")}
_MAX_YEARS = 10

#: The rules the honours page proposes from, by key (an honour accepted from a proposal keeps the key as its basis).
#: The source: commendations follow the rankings; the civil servants' reward rules give a 三等功 to whoever is
#: graded 优秀 three years running.
HONOUR_RULES: dict[str, dict[str, Any]] = {
    "excellent_three_years": {"kind": "merit", "measure": "annual_years",
                              "params": {"grade": "excellent", "years": 3}},
    "annual_excellent": {"kind": "commendation", "measure": "annual_grade", "params": {"grade": "excellent"}},
    "monthly_excellent": {"kind": "commendation", "measure": "monthly_grades",
                          "params": {"grade": "excellent", "at_least": 6}},
}


@dataclass(frozen=True)
class HonourFacts:
    """An officer's grades as the rules read them: ``annual`` maps a year to its final annual grade; ``monthly``
    maps a grade to how many final months of the year carry it."""
    person_id: int
    annual: Mapping[int, str] = field(default_factory=dict)
    monthly: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Proposal:
    """One officer proposed for one kind of honour: ``basis`` is the first rule (in the rules' order) that
    proposes it, ``reasons`` what each rule that does found (phrases)."""
    person_id: int
    kind: str
    basis: str
    reasons: tuple[Phrase, ...]


def validate_rules(rules: Any) -> list[RuleProblem]:
    """What is wrong with a set of rules, as problems (empty when they can be used)."""
    if not isinstance(rules, Mapping) or not rules:
        return [RuleProblem("policy.no_rules")]
    problems = []
    for key, rule in rules.items():
        if not isinstance(rule, Mapping):
            problems.append(RuleProblem("policy.not_mapping", key=key))
            continue
        if rule.get("kind") not in HONOUR_KINDS or rule.get("measure") not in MEASURES:
            problems.append(RuleProblem("policy.kind_unknown", key=key))
            continue
        params = rule.get("params")
        if not isinstance(params, Mapping):
            problems.append(RuleProblem("policy.params_not_mapping", key=key))
            continue
        wanted = MEASURES[rule["measure"]]
        if set(params) - set(wanted):
            unknown = ", ".join(sorted(set(params) - set(wanted)))
            problems.append(RuleProblem("policy.unknown_params", key=key, names=unknown))
        for name in wanted:
            value = params.get(name)
            if name == "grade" and value not in GRADES:
                problems.append(RuleProblem("value.grade", key=key, param=name))
            elif name == "at_least" and not (isinstance(value, int) and 1 <= value <= 12):
                problems.append(RuleProblem("value.whole_between", key=key, param=name, low=1, high=12))
            elif name == "years" and not (isinstance(value, int) and 1 <= value <= _MAX_YEARS):
                problems.append(RuleProblem("value.whole_between", key=key, param=name, low=1, high=_MAX_YEARS))
    return problems


def rule_phrase(rule: Mapping[str, Any]) -> Phrase:
    """What a rule asks for, as a phrase."""
    params = rule.get("params") or {}
    measure = rule.get("measure")
    if measure == "annual_grade":
        return phrase("proposes.annual_grade", grade=params.get("grade", ""))
    if measure == "monthly_grades":
        return phrase("proposes.monthly_grades", grade=params.get("grade", ""), at_least=params.get("at_least", ""))
    return phrase("proposes.annual_years", grade=params.get("grade", ""), years=params.get("years", ""))


def years_read(rules: Mapping[str, Mapping[str, Any]], year: int) -> list[int]:
    """The years whose annual grades the rules read for ``year``, oldest first."""
    span = max([1] + [int((r.get("params") or {}).get("years", 1)) for r in rules.values()
                      if r.get("measure") == "annual_years"])
    return list(range(year - span + 1, year + 1))


def _reason(rule: Mapping[str, Any], facts: HonourFacts, year: int) -> Phrase | None:
    """What the rule found in the officer's grades, if it proposes them; None if it does not."""
    params = rule["params"]
    grade = params["grade"]
    if rule["measure"] == "annual_grade":
        if facts.annual.get(year) == grade:
            return phrase("honour.annual_grade", grade=grade, year=year)
        return None
    if rule["measure"] == "monthly_grades":
        count = int(facts.monthly.get(grade, 0))
        if count >= int(params["at_least"]):
            return phrase("honour.monthly_grades", grade=grade, year=year, count=count,
                          at_least=int(params["at_least"]))
        return None
    years = list(range(year - int(params["years"]) + 1, year + 1))
    if all(facts.annual.get(y) == grade for y in years):
        return phrase("honour.annual_years", grade=grade, first=years[0], last=years[-1])
    return None


def propose(rules: Mapping[str, Mapping[str, Any]], facts: list[HonourFacts], year: int) -> list[Proposal]:
    """Every officer the rules propose for the year, one proposal per officer and kind of honour, in the order of
    the facts (the caller's) and, for one officer, of the kinds (``HONOUR_KINDS``). Rules must be valid
    (``validate_rules``)."""
    problems = validate_rules(rules)
    if problems:
        raise problems[0]
    proposals = []
    for f in facts:
        found: dict[str, list[tuple[str, Phrase]]] = {}
        for key, rule in rules.items():
            reason = _reason(rule, f, year)
            if reason is not None:
                found.setdefault(rule["kind"], []).append((key, reason))
        for kind in HONOUR_KINDS:
            if kind in found:
                proposals.append(Proposal(f.person_id, kind, found[kind][0][0],
                                          tuple(reason for _key, reason in found[kind])))
    return proposals
