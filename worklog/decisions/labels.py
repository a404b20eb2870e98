"""The words for the decisions' coded values: kinds of decision and honour, outcomes, the proposal rules."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

#: What a personnel decision is about (models.decisions.DecisionKind).
DECISION_KIND_LABELS = {
    "promotion": _l("Promotion round"),
    "warning_talk": _l("Warning talk"),
    "removal": _l("Removal from post"),
}

#: What was decided (models.decisions.DecisionOutcome).
OUTCOME_LABELS = {
    "promoted": _l("Promoted"),
    "not_selected": _l("Not selected"),
    "deferred": _l("Deferred"),
    "held": _l("Warning talk held"),
    "carried_out": _l("Removal carried out"),
    "not_carried_out": _l("Not carried out"),
}

#: The kinds of honour (models.decisions.HonourKind).
HONOUR_KIND_LABELS = {
    "merit": _l("Merit citation"),
    "commendation": _l("Official commendation"),
    "award": _l("Award for excellence"),
}

#: The rules that propose honours from the grades (worklog.rules.honours.HONOUR_RULES), by key.
HONOUR_RULE_LABELS = {
    "excellent_three_years": _l("Excellent three years running"),
    "annual_excellent": _l("Annual excellent"),
    "monthly_excellent": _l("Monthly excellent, often"),
}


def basis_label(basis: str) -> str:
    """How an honour came: the proposal rule's name, or "entered by hand"."""
    from flask_babel import gettext as _
    if not basis:
        return _("Entered by hand")
    label = HONOUR_RULE_LABELS.get(basis)
    return str(label) if label is not None else basis
