"""Words for the work facts' codes on the administrators' pages: statuses, quantity rules, short reason names (the
reasons' sentences are in :mod:`worklog.facts.reasons`)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l, pgettext

from worklog.facts.reasons import REASONS


def status_labels() -> dict[str, str]:
    """A fact's status in words, in the reader's language. In the context "work facts": "Waiting" and "Refused"
    alone are also a week's entries waiting for review and a survey's refusal to answer, said otherwise."""
    return {"entered": pgettext("work facts", "Entered"), "waiting": pgettext("work facts", "Waiting"),
            "refused": pgettext("work facts", "Refused")}

QUANTITY_RULE_LABELS = {
    "as_sent": _l("As sent: the fact's quantity × the multiplier"),
    "one_each": _l("One each: every fact counts 1 × the multiplier"),
}

#: A reason in a few words, for a table's heading; the sentence (reasons.REASONS) explains it beside.
REASON_SHORT = {
    "unknown_badge": _l("Unknown badge"),
    "unmapped_type": _l("Unmapped type"),
    "no_post": _l("No post"),
    "not_in_catalog": _l("Task not open"),
    "sealed_week": _l("Week already signed"),
    "sealed_month": _l("Month final"),
    "daily_cap": _l("Daily cap"),
    "outside_units": _l("Outside the units"),
    "bad_date": _l("Bad date"),
}


def status_label(code: str) -> str:
    return status_labels().get(code, code)


def reason_short(code: str) -> str:
    label = REASON_SHORT.get(code)
    return str(label) if label is not None else code


def reason_text(code: str) -> str:
    label = REASONS.get(code)
    return str(label) if label is not None else code
