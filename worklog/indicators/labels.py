"""Display names of the indicators' measures and scoring rules."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

MEASURE_LABELS = {
    "ledger_points": _l("Approved ledger points"),
    "fact_count": _l("Work facts entered"),
    "inspection_deductions": _l("Points deducted by inspection findings"),
    "satisfaction": _l("Public satisfaction (survey)"),
    "rectification_rate": _l("Rectified by the deadline (%)"),
    "manual": _l("Entered by the assessing unit, with evidence"),
}

RULE_LABELS = {
    "proportional": _l("In proportion to the target, capped"),
    "thresholds": _l("Steps of the target reached"),
    "deductions": _l("100 less a deduction per unit"),
}

#: The dimensions a new plan starts with (业务工作, 队伍建设, 执法质量), in the writer's language.
DEFAULT_DIMENSIONS = (_l("Operational work"), _l("Team building"), _l("Enforcement quality"))
