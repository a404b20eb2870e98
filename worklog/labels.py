"""Display names for stored codes (roles, unit levels), translated at render time."""
from flask_babel import lazy_gettext as _l

ROLE_LABELS = {
    "officer": _l("Officer"),
    "supervisor": _l("Supervisor"),
    "panel": _l("Assessment panel"),
    "hr": _l("HR"),
    "survey": _l("Survey staff"),
    "admin": _l("Administrator"),
}

LEVEL_LABELS = {
    "province": _l("Provincial department"),
    "city": _l("City bureau"),
    "county": _l("County bureau"),
}

COMPLETION_LABELS = {
    "done": _l("Done"),
    "mostly": _l("Mostly done"),
    "not_done": _l("Not done"),
}

ENTRY_STATUS_LABELS = {
    "draft": _l("Draft"),
    "submitted": _l("Submitted"),
    "approved": _l("Approved"),
    "returned": _l("Returned"),
    "resubmitted": _l("Resubmitted"),
}

DAY_STATUS_LABELS = {
    "open": _l("Not submitted"),
    "submitted": _l("Submitted"),
}
