"""The form that edits a round's eligibility rules: one row per rule (its kind from a list, its values in labelled
fields), one row per tie-breaker. The rules stay data (``worklog.rules.eligibility``); the form only reads and
writes them, and every check is the rule code's."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FieldList, Form, FormField, HiddenField, SelectField, StringField, SubmitField
from wtforms.validators import Length, Optional

from worklog.choices import choices
from worklog.explanations import PARAM_LABELS, RULE_KIND_LABELS, TIE_BREAKER_LABELS, Wording
from worklog.labels import GRADE_LABELS
from worklog.rules.eligibility import MAX_RULES, RULE_KINDS, TIE_BREAKER_KINDS

#: The form's fields a kind of rule uses, in the order shown.
RULE_FIELDS = {
    "grade_count": ("grade", "months", "at_least"),
    "annual_percentile": ("share", "years", "rounding", "min_group"),
    "bottom_percentile": ("share", "years", "rounding", "min_group"),
    "service_years": ("service",),
    "no_veto": ("months",),
    "rank_in": ("ranks",),
}
TIE_BREAKER_FIELDS = {"grade_count": ("grade", "months"), "annual_score": (), "service_years": ()}
#: Percent shares are typed as percents (30) and kept as fractions (0.30).
SHARE_PARAM = {"annual_percentile": "max_percentile", "bottom_percentile": "bottom"}
#: Tie-breaker rows offered beyond those the policy has.
SPARE_TIE_BREAKERS = 1
MAX_TIE_BREAKERS = 5

_NONE = ("", _l("— (none: left out)"))


def _kind_choices(labels: dict) -> list:
    return choices([_NONE] + [(kind, labels[kind]) for kind in labels])


class RuleRow(Form):
    key = HiddenField()
    kind = SelectField(PARAM_LABELS["kind"], choices=_kind_choices({k: RULE_KIND_LABELS[k] for k in RULE_KINDS}),
                       validate_choice=True, default="")
    label = StringField(PARAM_LABELS["label"], validators=[Optional(), Length(max=200)])
    grade = SelectField(_l("Grade"), choices=choices(GRADE_LABELS.items()), default="excellent")
    months = StringField(_l("Months before the reference date"), validators=[Length(max=12)],
                         render_kw={"inputmode": "numeric", "size": 4})
    at_least = StringField(_l("At least (months with that grade)"), validators=[Length(max=12)],
                           render_kw={"inputmode": "numeric", "size": 4})
    share = StringField(_l("Share of the ranking (%)"), validators=[Length(max=12)],
                        render_kw={"inputmode": "decimal", "size": 5})
    years = StringField(_l("Finished years, each of them"), validators=[Length(max=12)],
                        render_kw={"inputmode": "numeric", "size": 4})
    rounding = SelectField(PARAM_LABELS["rounding"], default="down", choices=choices([
        ("down", _l("down (the source's reading)")), ("up", _l("up")), ("nearest", _l("to the nearest"))]))
    min_group = StringField(PARAM_LABELS["min_group"], validators=[Length(max=12)],
                            render_kw={"inputmode": "numeric", "size": 4})
    service = StringField(_l("Years of service, at least"), validators=[Length(max=12)],
                          render_kw={"inputmode": "decimal", "size": 4})
    ranks = StringField(_l("Police ranks (separated by commas)"), validators=[Length(max=500)])


class TieBreakerRow(Form):
    kind = SelectField(_l("Then, among equals"),
                       choices=_kind_choices({k: TIE_BREAKER_LABELS[k] for k in TIE_BREAKER_KINDS}),
                       validate_choice=True, default="")
    grade = SelectField(_l("Grade"), choices=choices(GRADE_LABELS.items()), default="excellent")
    months = StringField(_l("Months before the reference date"), validators=[Length(max=12)],
                         render_kw={"inputmode": "numeric", "size": 4})


class PolicyForm(FlaskForm):
    rules = FieldList(FormField(RuleRow), min_entries=1, max_entries=MAX_RULES + 1)
    tie_breakers = FieldList(FormField(TieBreakerRow), max_entries=MAX_TIE_BREAKERS + SPARE_TIE_BREAKERS)
    submit = SubmitField(_l("Save the rules"))


def _percent_text(value: Any) -> str:
    """0.30 → "30"; anything unreadable as it is."""
    try:
        text = f"{Decimal(str(value)) * 100:f}"
    except InvalidOperation:
        return str(value)
    return text.rstrip("0").rstrip(".") if "." in text else text


def _fraction_text(text: str) -> str:
    """"30" → "0.3"; anything unreadable as it is (the rule code refuses it in the user's words)."""
    try:
        value = Decimal(text.strip().rstrip("%").strip()) / 100
    except InvalidOperation:
        return text
    return f"{value.normalize():f}" if value.is_finite() else text


def policy_form(policy: dict) -> PolicyForm:
    """A form showing the policy's rules and tie-breakers, with a spare row for a new rule and a tie-breaker."""
    rules = []
    for rule in policy.get("rules", []):
        params = rule.get("params") or {}
        row = {"key": rule.get("key", ""), "kind": rule.get("kind", ""), "label": rule.get("label", ""),
               "grade": params.get("grade", "excellent"), "months": params.get("months", ""),
               "at_least": params.get("at_least", "") if rule.get("kind") == "grade_count" else "",
               "years": params.get("years", ""), "rounding": params.get("rounding", "down"),
               "min_group": params.get("min_group", ""),
               "service": params.get("at_least", "") if rule.get("kind") == "service_years" else "",
               "ranks": ", ".join(params.get("ranks", []) or [])}
        share = params.get(SHARE_PARAM.get(rule.get("kind", ""), ""), "")
        row["share"] = _percent_text(share) if share != "" else ""
        rules.append({k: ("" if v is None else str(v)) for k, v in row.items()})
    breakers = [{"kind": b.get("kind", ""), "grade": (b.get("params") or {}).get("grade", "excellent"),
                 "months": str((b.get("params") or {}).get("months", ""))} for b in policy.get("tie_breakers", [])]
    if len(rules) < MAX_RULES:
        rules.append({"grade": "excellent"})
    breakers.append({"grade": "excellent"})
    return PolicyForm(formdata=None, data={"rules": rules, "tie_breakers": breakers})


def _given(text: str | None) -> bool:
    return bool(text and text.strip())


def policy_from(form: PolicyForm, before: dict) -> dict:
    """The policy the form describes: rows left without a kind are left out; a rule keeps its key, a new one
    gets one no other rule has. Values are passed as typed: the rule code checks them."""
    rules, used = [], set()
    for row in form.rules.entries:
        data = row.form
        kind = data.kind.data or ""
        if not kind:
            continue
        params: dict[str, Any] = {}
        for name in RULE_FIELDS.get(kind, ()):
            value = getattr(data, name).data
            if name == "grade":
                params["grade"] = value
            elif name == "rounding":
                if value and value != "down":  # the default is left out, so a policy reads as it did
                    params["rounding"] = value
            elif not _given(value):
                continue
            elif name == "share":
                params[SHARE_PARAM[kind]] = _fraction_text(value)
            elif name == "service":
                params["at_least"] = value.strip()
            elif name == "ranks":
                params["ranks"] = [r.strip() for r in re.split(r"[,，、;；]", value) if r.strip()]
            else:
                params[name] = value.strip()
        if kind in SHARE_PARAM:
            params["scope"] = "unit_sequence"
        key = (data.key.data or "").strip()
        if not key or key in used:
            key = next(f"rule_{i}" for i in range(1, MAX_RULES + 2) if f"rule_{i}" not in used)
        used.add(key)
        rule = {"key": key, "kind": kind, "params": params}
        if _given(data.label.data):
            rule["label"] = data.label.data.strip()
        rules.append(rule)
    breakers = []
    for row in form.tie_breakers.entries:
        data = row.form
        kind = data.kind.data or ""
        if not kind:
            continue
        params = {}
        if kind == "grade_count":
            params["grade"] = data.grade.data
            if _given(data.months.data):
                params["months"] = data.months.data.strip()
        breakers.append({"kind": kind, "params": params})
    policy = {"rules": rules, "tie_breakers": breakers}
    if before.get("label"):
        policy["label"] = before["label"]
    return policy


#: Where a parameter's problem is shown on a rule's row.
_FIELD_OF_PARAM = {"max_percentile": "share", "bottom": "share", "scope": "share"}


def attach_problems(form: PolicyForm, policy: dict, problems: list) -> list[str]:
    """Put each problem under the field it concerns (worded in the reader's language); return the problems that
    concern no field, worded, for the top of the form."""
    wording = Wording()
    # Rows that hold a rule, in the policy's order: problems number the policy's rules, not the form's rows.
    rule_rows = [row.form for row in form.rules.entries if row.form.kind.data]
    breaker_rows = [row.form for row in form.tie_breakers.entries if row.form.kind.data]
    general = []
    for problem in problems:
        args = problem.args_
        rows, index = (rule_rows, args.get("rule")) if "rule" in args else (breaker_rows, args.get("tie_breaker"))
        row = rows[index - 1] if index and index - 1 < len(rows) else None
        param = args.get("param")
        if row is not None and param:
            kind = row.kind.data
            name = "service" if (param == "at_least" and kind == "service_years") else _FIELD_OF_PARAM.get(param, param)
            field = getattr(row, name, None)
            if field is not None:
                message = wording.problem(type(problem)(problem.code, **{k: v for k, v in args.items()
                                                                           if k not in ("rule", "tie_breaker",
                                                                                        "param")}))
                field.errors = list(field.errors or []) + [message]
                continue
        if row is not None:
            row.kind.errors = list(row.kind.errors or []) + [wording.problem(problem)]
            continue
        general.append(wording.problem(problem))
    return general


def row_fields(row: RuleRow | TieBreakerRow) -> tuple[str, ...]:
    """The fields a row shows besides its kind (and name): those its kind uses."""
    if isinstance(row, TieBreakerRow):
        return TIE_BREAKER_FIELDS.get(row.kind.data or "", ())
    return RULE_FIELDS.get(row.kind.data or "", ())
