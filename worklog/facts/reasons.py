"""Why a fact waits or was refused: a code for machines (the API, the reconciliation's XLSX) and a sentence for
people, in their language."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

#: A fact waits for an administrator: fix the cause (a person, a mapping, the catalog), then match again.
WAITING = {
    "unknown_badge": _l("No officer has this badge number."),
    "unmapped_type": _l("This fact type of the source is not mapped to a task of the catalog."),
    "no_post": _l("The officer held no post on the fact's date."),
    "not_in_catalog": _l("The mapped task is not open to the officer's post on that date."),
}

#: A fact or a change of it is refused: kept, with its reason; nothing on the officer's day changed.
REFUSED = {
    "sealed_week": _l("The officer's week has been signed; the panel must reopen it first."),
    "sealed_month": _l("The unit's month is final and sealed; the panel must reopen it first."),
    "daily_cap": _l("The task's daily cap for the officer is reached."),
    "outside_units": _l("The officer is not in the units this client may send data for."),
    "bad_date": _l("The date lies in the future or before 2000."),
}

REASONS = {**WAITING, **REFUSED}


def text(code: str) -> str:
    return str(REASONS[code]) if code in REASONS else code
