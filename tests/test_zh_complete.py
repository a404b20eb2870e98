"""The Chinese interface is wholly Chinese where the rules speak: every explanation code, every eligibility rule
kind, every audit action and every rule problem is worded in Chinese, with no English word left.

The codes are read from the code itself (the calls that build phrases, problems and audit events), so a new
code without a wording or a translation fails here. Run after ``pybabel compile`` (as the suite's other
Chinese tests are).
"""
from __future__ import annotations

import ast
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from flask_babel import force_locale

from worklog import explanations, labels
from worklog.explanations import PARAM_LABELS, PHRASES, POLICY_LABELS, PROBLEMS, RULE_KIND_LABELS, \
    TIE_BREAKER_LABELS, Wording, placeholders
from worklog.rules.eligibility import DEFAULT_POLICIES, ROUNDINGS, RULE_KINDS, RULE_PARAMS, TIE_BREAKER_KINDS, \
    TIE_BREAKER_PARAMS, OfficerFacts, evaluate, rule_phrase, validate_policy
from worklog.rules.phrases import RuleProblem
from worklog.rules.ruleset import FIELDS, INT_BOUNDS

ROOT = Path(__file__).resolve().parent.parent
PHRASE_SOURCES = sorted((ROOT / "worklog" / "rules").glob("*.py")) + [ROOT / "worklog" / "units" / "evaluation.py"]
#: Codes built from a prefix and a value the code chooses: every value the prefix can take.
EXPANSIONS = {
    "requires.": RULE_KINDS,
    "in_years.": ("annual_percentile", "bottom_percentile"),
    "value.between_": tuple(sorted({unit for _low, _high, unit in INT_BOUNDS.values()})),
    "score.": (),  # a score's line (``_line``): its calls are read below
    "finding.": ("enforcement", "discipline", "appearance", "complaint"),  # an inspection finding's category
    "rounding.": ROUNDINGS,  # how a share of a ranking group becomes places
}
#: Latin letters a Chinese explanation may keep: the formulas' functions.
ALLOWED = re.compile(r"\b(min|max)\b")
ENGLISH = re.compile(r"[A-Za-z]{3,}")


def english_words(text: str) -> list[str]:
    return ENGLISH.findall(ALLOWED.sub("", text))


def _strings(node: ast.AST) -> list[str]:
    """The codes an expression can give: a text, either branch of a choice, a prefix expanded."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _strings(node.body) + _strings(node.orelse)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add) and isinstance(node.left, ast.Constant):
        prefix = node.left.value
        assert prefix in EXPANSIONS, f"a code built from {prefix!r} + …: say here which values it takes"
        return [prefix + value for value in EXPANSIONS[prefix]]
    return []


def _calls(paths, name: str):
    """(call, its source file) for every call of a function or method called ``name``."""
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                func = node.func
                called = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) \
                    else None
                if called == name:
                    yield node, path


def _keywords(call: ast.Call) -> set[str] | None:
    """The named values a call passes; None when some are passed as ``**values``."""
    if any(k.arg is None for k in call.keywords):
        return None
    return {k.arg for k in call.keywords}


def phrase_calls() -> list[tuple[str, set[str] | None]]:
    found = []
    for call, _path in _calls(PHRASE_SOURCES, "phrase"):
        found += [(code, _keywords(call)) for code in _strings(call.args[0])]
    for call, _path in _calls(PHRASE_SOURCES, "_line"):  # a score's line: the code is "score." + its rule
        found += [("score." + code, _keywords(call)) for code in _strings(call.args[0])]
    return found


def problem_calls() -> list[tuple[str, set[str] | None]]:
    return [(code, _keywords(call)) for call, _path in _calls(PHRASE_SOURCES, "RuleProblem")
            for code in (_strings(call.args[0]) if call.args else [])]


def audit_actions() -> tuple[set[str], set[str]]:
    """Every action and object type the code records, read from its calls of ``audit.record``."""
    sources = sorted((ROOT / "worklog").rglob("*.py"))
    actions, objects = set(), set()
    for call, _path in _calls(sources, "record"):
        if isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Name) \
                and call.func.value.id == "audit":
            actions |= set(_strings(call.args[1]))
            objects |= set(_strings(call.args[2]))
    for call, _path in _calls(sources, "_record_review"):
        actions |= set(_strings(call.args[2]))
    from worklog.cycle import STEPS
    for call, _path in _calls(sources, "Period"):  # the cycle's steps after each period's name (worklog/cycle.py)
        for keyword in call.keywords:
            if keyword.arg == "name":
                actions |= {f"{name}.{step}" for name in _strings(keyword.value) for step in STEPS}
    for path in sources:  # actions chosen before the call: ``action = "…"``
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "action"
                                                    for t in node.targets):
                actions |= set(_strings(node.value))
    return actions, objects


@pytest.fixture
def zh(app):
    with app.test_request_context(), force_locale("zh_CN"):
        yield Wording()


def _sample(template: str) -> dict[str, str]:
    return {name: "7" for name in placeholders(template)}


def test_the_code_builds_only_phrases_it_can_word():
    calls = phrase_calls()
    assert len({code for code, _names in calls}) > 60  # the reading of the code found them
    for code, names in calls:
        assert code in PHRASES, f"the phrase {code!r} has no wording in worklog/explanations.py"
        if names is not None:
            assert names == placeholders(PHRASES[code]), f"{code}: values {names} worded as {PHRASES[code]!r}"
    for code, names in problem_calls():
        assert code in PROBLEMS, f"the problem {code!r} has no wording in worklog/explanations.py"
        if names is not None:
            assert placeholders(PROBLEMS[code]) <= names, code


def test_every_explanation_code_reads_in_chinese(zh):
    for code, template in PHRASES.items():
        text = zh.say({"code": code, "args": _sample(template)})
        assert text and not english_words(text), (code, text)
        assert "%" not in text.replace("7%", ""), (code, text)  # every value in its place


def test_every_problem_reads_in_chinese(zh):
    for code, template in PROBLEMS.items():
        for where in ({}, {"rule": 2}, {"tie_breaker": 1}):
            for param in [None, *PARAM_LABELS]:
                args = _sample(template) | where | ({"param": param} if param else {})
                text = zh.problem(RuleProblem(code, **args))
                assert text and not english_words(text), (code, text)


def test_the_rule_sets_problems_read_in_chinese(zh):
    from worklog.rulesets.labels import FIELD_LABELS
    from worklog.rules.ruleset import InvalidRuleValues, RuleValues
    assert set(FIELD_LABELS) == {name for name, _kind in FIELDS}
    bad = {name: "x" for name, _kind in FIELDS} | {"未知": 1}  # an unknown field is named as it was sent
    with pytest.raises(InvalidRuleValues) as caught:
        RuleValues.from_mapping(bad)
    for crossed in ({"completion_mostly": "1.5"}, {"excellent_min_score": "200"}, {"basic_min_score": "95"},
                    {"appeal_days": "99"}, {"unit_pass_min": "99"}, {"base_points": "-1"}):
        with pytest.raises(InvalidRuleValues) as also:
            RuleValues.from_mapping(crossed)
        caught.value.errors.update(also.value.errors)
    for name, problem in caught.value.errors.items():
        text = zh.problem(problem)
        assert not english_words(text + str(FIELD_LABELS.get(name, ""))), (name, text)


def test_every_eligibility_rule_kind_reads_in_chinese(zh):
    assert set(RULE_KIND_LABELS) == set(RULE_KINDS)
    assert set(TIE_BREAKER_LABELS) == set(TIE_BREAKER_KINDS)
    assert set(POLICY_LABELS) == set(DEFAULT_POLICIES)
    params = {name for spec in [*RULE_PARAMS.values(), *TIE_BREAKER_PARAMS.values()] for name in spec}
    assert params <= set(PARAM_LABELS)
    for label in [*RULE_KIND_LABELS.values(), *TIE_BREAKER_LABELS.values(), *POLICY_LABELS.values(),
                  *PARAM_LABELS.values()]:
        assert not english_words(str(label)), label
    samples = {"grade": "excellent", "months": 12, "at_least": 4, "max_percentile": "0.3", "bottom": "0.03",
               "years": 2, "scope": "unit_sequence", "ranks": ["一级警司"], "rounding": "up", "min_group": 5}
    for kind, spec in RULE_PARAMS.items():
        rule = {"key": "k", "kind": kind, "params": {name: samples[name] for name in spec}}
        if kind == "service_years":
            rule["params"]["at_least"] = "1"
        assert validate_policy({"rules": [rule]}) == [], kind
        text = zh.say(rule_phrase(kind, rule["params"]))
        assert not english_words(text), (kind, text)
        assert explanations.rule_name(rule) == text
        # Judged: what it requires at a reference date and what officers with and without the facts have.
        facts = [OfficerFacts(1), OfficerFacts(2, {date(2026, 1, 1): "excellent"}, [date(2026, 2, 3)],
                                               {2024: (1, 10, Decimal("91")), 2025: (9, 10, Decimal("70"))},
                                               date(2019, 3, 1), "一级警司")]
        for evaluation in evaluate({"rules": [rule]}, facts, date(2026, 11, 15)):
            for check in evaluation.checks:
                line = zh.check_line(check)
                assert not english_words(line), (kind, line)


def test_every_audit_action_reads_in_chinese(zh):
    actions, objects = audit_actions()
    assert {"week.signed", "month.finalised", "round.rules_changed", "units.evaluation_recomputed",
            "entry.approved", "survey.number_shown"} <= actions  # the reading of the code found them
    for action in sorted(actions):
        assert action in labels.AUDIT_ACTION_LABELS, f"the audit action {action!r} has no label"
        text = labels.audit_action(action)
        assert not english_words(text), (action, text)
    for object_type in sorted(objects):
        assert object_type in labels.AUDIT_OBJECT_LABELS, f"the audit object {object_type!r} has no label"
        assert not english_words(labels.audit_object(object_type)), object_type
    for name, label in labels.AUDIT_FIELD_LABELS.items():
        assert not english_words(str(label)), name


def test_the_rules_of_explanations_are_named_in_chinese(zh):
    from worklog.units.labels import EXPLANATION_LABELS
    rules = set()
    for name in ("Check", "Line", "_line"):
        for call, path in _calls(PHRASE_SOURCES, name):
            rules |= {(code, path.name) for code in _strings(call.args[0])}
    named = set(labels.RULE_LABELS) | set(EXPLANATION_LABELS)
    for code, where in rules:
        assert code in named, f"{where}: the rule {code!r} has no name"
    for label in [*labels.RULE_LABELS.values(), *EXPLANATION_LABELS.values()]:
        assert not english_words(str(label)), label


def test_whole_explanations_read_in_chinese(zh):
    """Real explanations, built by the rule code, worded as the pages word them."""
    from worklog.rules.annual import AnnualInput, AnnualRules, grade_year
    from worklog.rules.grading import GradeInput, grade_group
    from worklog.rules.public import UnitInput, explain_public_evaluation, grade_units
    from worklog.rules.ruleset import DEFAULTS
    from worklog.rules.scoring import OfficerMonth, score_month
    D = Decimal
    month = score_month(OfficerMonth(1, D("300"), D("400"), 1, 2, 1, 1, D("2"), D("1.5"), D("4"), True), DEFAULTS)
    texts = [zh.say(line.detail) for line in month.explanation]
    assert texts[2] == "逾期提交天数：2 × 0.50 = 1.00"
    grades = grade_group([GradeInput(i, D(s)) for i, s in enumerate(["96", "92.5", "92.5", "80", "50"])]
                         + [GradeInput(9, D("99"), veto=True), GradeInput(10, D("80"), False, "basic", "纪律")],
                         DEFAULTS)
    years = grade_year([AnnualInput(i, D(s), service_years=D(y), incompetent_months=m)
                        for i, (s, y, m) in enumerate([("96", "1", 0), ("93", "0.5", 0), ("93", "2", 2),
                                                        ("91", "3", 0), ("50", "1", 0)])], AnnualRules())
    units = grade_units([UnitInput(i, D(s), D(p)) for i, (s, p) in
                         enumerate([("95", "60"), ("91", "90"), ("91", "90"), ("70", "80"), ("40", "85")])])
    checks = [c for r in [*grades, *years, *units] for c in r.explanation]
    checks += explain_public_evaluation(None, D("88.4"))[1] + explain_public_evaluation(None, None)[1]
    for check in checks:
        texts += [zh.say(check.value), zh.say(check.threshold)]
    assert "%(n)s 人中第 %(rank)s 名" % {"n": 7, "rank": 1} in texts
    for text in texts:
        assert not english_words(text), text


def test_results_stored_as_text_read_as_they_were_written(zh):
    # A sealed month's rows are never rewritten: their English lines are shown as they are.
    assert zh.say("2 late day(s) × 0.50 = 1.00") == "2 late day(s) × 0.50 = 1.00"
    old = {"key": "k", "label": "At least 4", "value": "3 excellent", "threshold": "≥ 4", "passed": False}
    assert zh.check(old) == ("At least 4", "3 excellent (≥ 4)", False)


def test_every_audited_field_and_coded_value_reads_in_chinese(zh):
    """The fields that services snapshot into audit events (the *_FIELDS tuples) have labels, and a status, a
    completion or an outcome shows as a word, not as its code (an entry's "draft → submitted" read as such)."""
    import ast
    import pathlib

    from worklog.rulesets.labels import FIELD_LABELS as RULE_FIELD_LABELS
    fields = set()
    for path in pathlib.Path(labels.__file__).parent.rglob("services.py"):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id.endswith("FIELDS")
                                                    for t in node.targets) and isinstance(node.value, ast.Tuple):
                fields |= {e.value for e in node.value.elts if isinstance(e, ast.Constant)}
    assert {"status", "completion", "approved_points", "valid_from"} <= fields  # the reading found them
    missing = sorted(f for f in fields if f not in labels.AUDIT_FIELD_LABELS and f not in RULE_FIELD_LABELS)
    assert missing == [], missing

    class Event:
        def __init__(self, object_type, before, after):
            self.object_type, self.before, self.after = object_type, before, after

    cases = [Event("entry", {"status": "draft"}, {"status": "submitted", "completion": "mostly"}),
             Event("day_log", {"status": "open"}, {"status": "submitted", "self_assessment": "按时完成"}),
             Event("week_review", {"status": "signed"}, {"status": "open"}),
             Event("month_review", {"status": "published"}, {"status": "final"}),
             Event("unit_evaluation_run", {"status": "recorded"}, {"status": "final"}),
             Event("survey_call", {}, {"outcome": "dissatisfied"}),
             Event("person", {}, {"role": "panel"}), Event("import", {}, {"created": 3, "unchanged": 1}),
             Event("personnel_decision", {"outcome": "held"}, {"kind": "warning_talk", "outcome": "not_carried_out",
                                                               "decided_on": "2027-01-15", "note": "本人已辞职"}),
             Event("honour", {}, {"kind": "merit", "basis": "excellent_three_years", "title": "个人三等功"})]
    for event in cases:  # the fixture reads in Chinese
        for label, was, now in labels.audit_details(event):
            text = " ".join(str(x) for x in (label, was, now) if x is not None)
            assert not english_words(text), (event.object_type, text)
