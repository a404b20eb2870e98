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
