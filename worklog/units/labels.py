"""Display names of the survey's kinds and groups, the units' grades, and the lines of a unit's explanation."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

# The survey's own names of the kinds and groups, so that a kind reads the same on every page.
from worklog.survey.labels import GROUP_LABELS, KIND_LABELS

__all__ = ["GROUP_LABELS", "KIND_LABELS", "UNIT_GRADE_LABELS", "PEER_LABELS", "REASON_LABELS", "STATUS_LABELS",
           "EXPLANATION_LABELS"]

UNIT_GRADE_LABELS = {
    "excellent": _l("Excellent"),
    "pass": _l("Pass"),
    "fail": _l("Fail"),
}

PEER_LABELS = {
    "city": _l("City bureaus"),
    "county": _l("County bureaus"),
}

REASON_LABELS = {
    "no_work": _l("No work score: no officer with signed work in the period"),
    "no_public": _l("No public evaluation: neither an opinion poll nor a survey answer"),
}

STATUS_LABELS = {
    "recorded": _l("Recorded"),
    "final": _l("Final"),
}

EXPLANATION_LABELS = {
    "unit_work": _l("Work score"),
    "unit_indicator": _l("Indicator"),
    "unit_normalised": _l("Work score among the peers (0–100)"),
    "unit_poll": _l("Opinion poll"),
    "unit_survey": _l("Police-service survey"),
    "public_poll": _l("Public evaluation: opinion poll"),
    "public_survey": _l("Public evaluation: survey"),
    "public_alone": _l("Public evaluation from one source only"),
    "public_missing": _l("No public evaluation"),
    "unit_public": _l("Public evaluation"),
    "unit_weights": _l("Weights"),
    "unit_comprehensive": _l("Comprehensive score"),
    "unit_not_rated": _l("Not rated"),
    "yellow_card": _l("Yellow card: place in the public evaluation"),
    "yellow_tie": _l("Yellow card: tie at the edge"),
    "excellent_score": _l("Excellent: score"),
    "excellent_quota": _l("Excellent: quota"),
    "excellent_tie": _l("Excellent: tie at the edge of the quota"),
    "pass_score": _l("Pass: score"),
    "unit_yellow_run": _l("Yellow cards in a row (Y: card)"),
}
