"""Rule sets' state changes: a new version, taking effect on a date no final month of any unit has passed."""
from __future__ import annotations

from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select

from models import Person, RuleSet
from worklog import audit, locks
from worklog.errors import ServiceError
from worklog.extensions import db
from worklog.rules.ruleset import from_mapping


def create_rule_set(valid_from: date, values: dict, note: str, actor: Person) -> RuleSet:
    if db.session.scalar(select(RuleSet.id).where(RuleSet.valid_from == valid_from)):
        raise ServiceError(_("A version already takes effect on that day."), "valid_from")
    checked = from_mapping(values)  # raises InvalidRuleValues
    # Rule sets hold for the whole province: one taking effect on a past day reaches every unit's months from
    # that day until the next version takes over (the rules of its days, the units' evaluation), so none of
    # them may be final.
    following = db.session.scalar(select(func.min(RuleSet.valid_from)).where(RuleSet.valid_from > valid_from))
    locks.require_unsealed(valid_from, following - timedelta(days=1) if following else None,
                           units=locks.EVERY_UNIT, field="valid_from")
    rule_set = RuleSet(valid_from=valid_from, values=checked.to_mapping(), note=(note or "").strip(),
                       created_by_id=actor.id)
    db.session.add(rule_set)
    db.session.flush()
    audit.record(actor, "rules.created", "rule_set", rule_set.id, after={"valid_from": valid_from.isoformat(),
                                                                         **checked.to_mapping()})
    return rule_set
