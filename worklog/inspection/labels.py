"""The words for inspection's coded values."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

CATEGORY_LABELS = {
    "enforcement": _l("Enforcement error"),
    "discipline": _l("Discipline and conduct"),
    "appearance": _l("Police appearance and bearing"),
    "complaint": _l("Petition or complaint"),
}

TARGET_LABELS = {
    "unit": _l("A unit"),
    "department": _l("A department"),
    "officer": _l("An officer"),
}

RECTIFICATION_STATUS_LABELS = {
    "open": _l("Waiting for the unit's answer"),
    "answered": _l("Answered, to verify"),
    "returned": _l("Returned to the unit"),
    "accepted": _l("Accepted"),
}

SOURCE_LABELS = {
    "inspection": _l("Inspection"),
    "survey": _l("Survey follow-up"),
}

STAGE_LABELS = {
    "finding": _l("Evidence of the finding"),
    "answer": _l("Evidence of the rectification"),
}

#: The findings list's filter by state.
STATE_LABELS = {
    "rectifying": _l("Rectification under way"),
    "overdue": _l("Overdue"),
    "answered": _l("Answered, to verify"),
    "accepted": _l("Rectification accepted"),
    "none": _l("No rectification asked"),
    "voided": _l("Withdrawn"),
}
