"""Display names for stored codes (roles, unit levels), translated at render time."""
from flask_babel import lazy_gettext as _l

ROLE_LABELS = {
    "officer": _l("Officer"),
    "supervisor": _l("Supervisor"),
    "panel": _l("Assessment panel"),
    "hr": _l("HR"),
    "survey": _l("Survey staff"),
    "admin": _l("Administrator"),
    "inspector": _l("Inspector"),
    "leader": _l("Leadership"),
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

QUEUE_STATE_LABELS = {
    "not_started": _l("Not started"),
    "in_progress": _l("In progress"),
    "ready": _l("Ready to sign"),
    "signed": _l("Signed"),
}

TASK_STATUS_LABELS = {
    "open": _l("Open"),
    "done": _l("Logged"),
    "cancelled": _l("Withdrawn"),
}


def notification_text(notification) -> str:
    """A notification in the reader's language, from its kind and stored parameters (worded by its kind: see
    worklog/notifications/kinds.py)."""
    from worklog.notifications.kinds import text_of
    return text_of(notification)


def notification_link(notification) -> str:
    from flask import url_for
    from werkzeug.routing import BuildError
    if not notification.link:
        return ""
    try:
        return url_for(notification.link, **(notification.params or {}).get("link_args", {}))
    except BuildError:
        return ""

GRADE_LABELS = {
    "excellent": _l("Excellent"),
    "competent": _l("Competent"),
    "basic": _l("Basically competent"),
    "incompetent": _l("Incompetent"),
}

MONTH_STATUS_LABELS = {
    "open": _l("Open"),
    "computed": _l("Computed"),
    "published": _l("Published"),
    "final": _l("Final"),
}

ADJUSTMENT_KIND_LABELS = {
    "commendation": _l("Commendation"),
    "discipline": _l("Discipline"),
    "quality": _l("Enforcement quality"),
    "complaint": _l("Verified complaint"),
}

APPEAL_STATUS_LABELS = {
    "pending": _l("Waiting for a decision"),
    "upheld": _l("Upheld"),
    "rejected": _l("Rejected"),
}

#: The rules named in a score's or a grade's explanation.
RULE_LABELS = {
    "base_points": _l("Base points"),
    "missing_days": _l("Working days not submitted"),
    "late_days": _l("Days submitted late"),
    "discipline": _l("Discipline deductions"),
    "base": _l("Base"),
    "workload": _l("Workload"),
    "no_target": _l("No monthly target"),
    "quality_points": _l("Quality points"),
    "returned_entries": _l("Entries returned"),
    "reduced_entries": _l("Entries approved with fewer points"),
    "quality_findings": _l("Quality findings and complaints"),
    "quality": _l("Quality"),
    "commendations": _l("Commendations"),
    "bonus": _l("Bonus"),
    "score": _l("Score"),
    "veto": _l("Veto"),
    "finding": _l("Inspection finding"),
    "excellent_score": _l("Score for excellent"),
    "excellent_quota": _l("Place within the excellent quota"),
    "excellent_tie": _l("Tie at the quota boundary"),
    "override": _l("Panel override"),
}

JOB_KIND_LABELS = {
    "month_close": _l("Month close"),
    "round_export": _l("Promotion round export"),
    "round_judge": _l("Promotion round list"),
}

JOB_STATUS_LABELS = {
    "queued": _l("Queued"),
    "running": _l("Running"),
    "done": _l("Done"),
    "failed": _l("Failed"),
}

RULE_LABELS.update({
    "competent_score": _l("Score for competent"),
    "basic_score": _l("Score for basically competent"),
    "incompetent_months": _l("Incompetent months in the year"),
    "excellent_service": _l("Service for excellent"),
})

#: Every action the audit trail records, by its stored code.
AUDIT_ACTION_LABELS = {
    "inspection.finding_recorded": _l("Inspection finding recorded"),
    "inspection.finding_voided": _l("Inspection finding withdrawn"),
    "inspection.rectification_answered": _l("Rectification answered by the unit"),
    "inspection.rectification_accepted": _l("Rectification accepted"),
    "inspection.rectification_returned": _l("Rectification returned to the unit"),
    "inspection.rectification_escalated": _l("Rectification escalated to the unit above"),
    "inspection.attachment_tampered": _l("Evidence file refused: changed since stored"),
    "api_client.registered": _l("API client registered"),
    "api_client.revoked": _l("API client revoked"),
    "api_client.rotated": _l("API client's token rotated"),
    "api_client.updated": _l("API client changed"),
    "fact_mapping.created": _l("Work fact type mapped to a task"),
    "fact_mapping.updated": _l("Mapping of a work fact type changed"),
    "fact_mappings.imported": _l("Work fact mappings imported"),
    "work_fact.changed": _l("Work fact changed by its system"),
    "work_facts.received": _l("Work facts received"),
    "assignment.corrected": _l("Assignment corrected"),
    "assignment.created": _l("Assignment made"),
    "assignment.ended": _l("Assignment ended"),
    "auth.password_changed": _l("Password changed"),
    "auth.sign_in": _l("Signed in"),
    "auth.sign_out": _l("Signed out"),
    "bonus.distributed": _l("Bonus pool shared"),
    "calendar.cleared": _l("Calendar day reset"),
    "calendar.set": _l("Calendar day set"),
    "catalog.imported": _l("Task catalog imported"),
    "day.submitted": _l("Day submitted"),
    "decision.recorded": _l("Personnel decision recorded"),
    "decision.changed": _l("Personnel decision changed"),
    "day.self_assessment_changed": _l("Day's self-assessment changed"),
    "delegation.created": _l("Supervision delegated"),
    "delegation.revoked": _l("Delegation withdrawn"),
    "department.created": _l("Department created"),
    "department.updated": _l("Department changed"),
    "entry.adjusted": _l("Entry adjusted"),
    "entry.approved": _l("Entry approved"),
    "entry.created": _l("Entry added"),
    "entry.deleted": _l("Entry deleted"),
    "entry.returned": _l("Entry returned"),
    "entry.updated": _l("Entry changed"),
    "honour.given": _l("Honour given"),
    "honour.revoked": _l("Honour revoked"),
    "indicators.broken_down": _l("Target broken down to departments"),
    "indicators.indicator_added": _l("Indicator added"),
    "indicators.indicator_changed": _l("Indicator changed"),
    "indicators.indicator_removed": _l("Indicator removed"),
    "indicators.officer_targets_set": _l("Officers' monthly targets set"),
    "indicators.plan_created": _l("Indicator plan version made"),
    "indicators.targets_set": _l("Indicator targets set"),
    "indicators.value_entered": _l("Indicator value entered"),
    "job.created": _l("Background job started"),
    "job.done": _l("Background job finished"),
    "job.failed": _l("Background job failed"),
    "job.run_again": _l("Background job run again"),
    "month.adjustment_added": _l("Monthly bonus or deduction recorded"),
    "month.adjustment_withdrawn": _l("Monthly bonus or deduction withdrawn"),
    "month.appeal_decided": _l("Monthly appeal decided"),
    "month.appeal_filed": _l("Monthly appeal filed"),
    "month.computed": _l("Month computed"),
    "month.finalised": _l("Month finalised"),
    "month.grade_overridden": _l("Monthly grade overridden"),
    "month.opened": _l("Month opened"),
    "month.published": _l("Month published"),
    "month.reopened": _l("Month reopened"),
    "month.veto_added": _l("Veto event recorded"),
    "month.veto_withdrawn": _l("Veto event withdrawn"),
    "org.imported": _l("Organisation imported"),
    "person.activated": _l("Person reactivated"),
    "person.created": _l("Person added"),
    "person.deactivated": _l("Person deactivated"),
    "person.password_reset": _l("Password reset"),
    "person.updated": _l("Person changed"),
    "post.created": _l("Post created"),
    "post.updated": _l("Post changed"),
    "role.granted": _l("Role granted"),
    "role.revoked": _l("Role revoked"),
    "round.computed": _l("Promotion round list computed"),
    "round.created": _l("Promotion round created"),
    "round.published": _l("Promotion round published"),
    "round.rules_changed": _l("Promotion round rules changed"),
    "rules.created": _l("Rule set version saved"),
    "sequence.created": _l("Sequence created"),
    "sequence.updated": _l("Sequence changed"),
    "survey.called": _l("Survey call recorded"),
    "survey.contacts_erased": _l("Survey contacts erased"),
    "survey.contacts_imported": _l("Survey contacts imported"),
    "survey.drawn": _l("Survey sample drawn"),
    "survey.follow_up_opened": _l("Survey follow-up opened"),
    "survey.follow_up_replied": _l("Survey follow-up answered"),
    "survey.follow_up_withdrawn": _l("Survey follow-up withdrawn"),
    "survey.follow_up_verified": _l("Survey follow-up called back"),
    "survey.follow_up_escalated": _l("Survey follow-up escalated to the unit above"),
    "survey.praise_recorded": _l("Praise heard on a survey call recorded"),
    "survey.praise_commended": _l("Praise from the survey made a commendation"),
    "survey.number_shown": _l("Phone number shown in full"),
    "survey.outcome_corrected": _l("Survey answer corrected"),
    "task.assigned": _l("Task assigned"),
    "task.logged": _l("Assigned task logged"),
    "task.withdrawn": _l("Assigned task withdrawn"),
    "task_category.created": _l("Task category created"),
    "task_category.deleted": _l("Task category deleted"),
    "task_category.updated": _l("Task category changed"),
    "task_type.created": _l("Task type created"),
    "task_type.updated": _l("Task type changed"),
    "task_type.values_corrected": _l("Task type's points corrected"),
    "task_type.values_dated": _l("Task type's new points dated"),
    "unit.created": _l("Unit created"),
    "unit.updated": _l("Unit changed"),
    "units.evaluation_finalised": _l("Units' evaluation finalised"),
    "units.evaluation_recomputed": _l("Units' evaluation computed again"),
    "units.evaluation_recorded": _l("Units' evaluation recorded"),
    "units.polls_imported": _l("Opinion polls imported"),
    "week.signed": _l("Week signed"),
    "week.unsigned": _l("Week signature withdrawn"),
    "year.adjustment_added": _l("Annual adjustment recorded"),
    "year.appeal_decided": _l("Annual appeal decided"),
    "year.appeal_filed": _l("Annual appeal filed"),
    "year.computed": _l("Year computed"),
    "year.finalised": _l("Year finalised"),
    "year.opened": _l("Year opened"),
    "year.published": _l("Year published"),
    "year.reopened": _l("Year reopened"),
    "notifications.settings_changed": _l("Notification settings changed"),
}

#: The fields an audit event's before and after name most often.
AUDIT_FIELD_LABELS = {
    "email": _l("Mail address"),
    "language": _l("Language of mails"),
    "digest": _l("Daily digest"),
    "mail_kinds": _l("Kinds also by mail"),
    "dimension": _l("Dimension"),
    "dimensions": _l("Dimensions"),
    "measure": _l("Measured by"),
    "measure_param": _l("What is counted"),
    "rule": _l("Scored by"),
    "cap": _l("Cap"),
    "params": _l("Scoring parameters"),
    "weight": _l("Weight"),
    "personal": _l("Broken down to officers"),
    "targets": _l("Targets"),
    "departments": _l("Departments' shares"),
    "officer_targets": _l("Officers' monthly targets"),
    "copied_from": _l("Copied from version"),
    "indicators": _l("Indicators"),
    "indicator": _l("Indicator"),
    "plan": _l("Plan version"),
    "evidence": _l("Evidence"),
    "operations": _l("Operations"),
    "source": _l("Source"),
    "fact_type": _l("Fact type"),
    "occurred_at": _l("Occurred at"),
    "reference": _l("Reference"),
    "quantity_rule": _l("Quantity rule"),
    "multiplier": _l("Multiplier"),
    "received": _l("Received"),
    "created": _l("Created"),
    "updated": _l("Updated"),
    "unchanged": _l("Unchanged"),
    "categories": _l("Task categories created"),
    "position": _l("Order"),
    # Counts of facts: "Waiting" and "Refused" alone are a week's entries waiting for review (待审) and a survey's
    # refusal to answer (拒绝回答).
    "waiting": _l("Facts waiting"),
    "refused": _l("Facts refused"),
    "not_entered": _l("Not entered"),
    "channel": _l("Channel"),
    "entry_id": _l("Entry"),
    "rate_limit_per_minute": _l("Rate limit per minute"),
    "revoked_at": _l("Revoked at"),
    "token_prefix": _l("Token (first characters)"),
    "acting": _l("Acting for"),
    "active": _l("Active"),
    "amount": _l("Amount"),
    "appeal_deadline": _l("Appeal deadline"),
    "approved_points": _l("Approved points"),
    "badge": _l("Badge number"),
    "call": _l("Call"),
    "candidates": _l("Officers judged"),
    # A round published while periods its rules read were not final: how many, and which (period, state, units).
    "periods_not_final": _l("Periods not final"),
    "not_final": _l("Not final: which"),
    "category_id": _l("Category"),
    "code": _l("Code"),
    "coefficient": _l("Post coefficient"),
    "comment": _l("Comment"),
    "completion": _l("Completion"),
    "contact": _l("Contact"),
    "computed_at": _l("Computed at"),
    "daily_cap": _l("Daily cap"),
    "date": _l("Date"),
    "day": _l("Day"),
    "deadline": _l("Deadline"),
    "department_id": _l("Department"),
    "description": _l("Description"),
    "done": _l("Done"),
    "eligible": _l("Eligible"),
    "entry": _l("Entry"),
    "erased": _l("Erased"),
    "error": _l("Error"),
    "file": _l("File"),
    "final_grade": _l("Grade"),
    "grade": _l("Grade"),
    "hire_date": _l("Hire date"),
    "hours": _l("Hours"),
    "job": _l("Background job"),
    "kind": _l("Kind"),
    "late": _l("Late"),
    "level": _l("Level"),
    "month": _l("Month"),
    "monthly_target_points": _l("Monthly target points"),
    "name": _l("Name"),
    "officer": _l("Officer"),
    "officers": _l("Officers"),
    "outcome": _l("Outcome"),
    "override_grade": _l("Grade set by the panel"),
    "parent_id": _l("Parent unit"),
    "period": _l("Period"),
    "person": _l("Person"),
    "person_id": _l("Person"),
    "points": _l("Points"),
    "policy": _l("Rules"),
    "post_id": _l("Post"),
    "posts": _l("Posts"),
    "quantity": _l("Quantity"),
    "rank": _l("Police rank"),
    "reference_date": _l("Reference date"),
    "reopened": _l("Reopened"),
    "review_note": _l("Review note"),
    "reviewed_by_id": _l("Reviewed by"),
    "revoked": _l("Withdrawn"),
    "role": _l("Role"),
    "round_id": _l("Promotion round"),
    "sample_size": _l("Sample size"),
    "seed": _l("Random seed"),
    "sequence_id": _l("Sequence"),
    "standard_points": _l("Standard points"),
    "start": _l("Start"),
    "status": _l("Status"),
    "subtree": _l("With the units under it"),
    "supervisor": _l("Supervisor"),
    "supervisor_id": _l("Supervisor"),
    "task": _l("Task"),
    "task_type_id": _l("Task type"),
    "total": _l("Total"),
    "unit": _l("Unit"),
    "unit_id": _l("Unit"),
    "unit_of_measure": _l("Unit of measure"),
    "units": _l("Units"),
    "valid_from": _l("Valid from"),
    "valid_to": _l("Valid to"),
    "work_date": _l("Work date"),
    "working": _l("Working day"),
    "year": _l("Year"),
    "annual": _l("Annual"),
    "rated": _l("Units rated"),
    "yellow_cards": _l("Yellow cards"),
    "changed": _l("Units whose result changed"),
    "self_assessment": _l("Self-assessment"),
    "created": _l("Created"),
    "updated": _l("Updated"),
    "unchanged": _l("Unchanged"),
    "contacts": _l("Contacts"),
    "drawn": _l("Drawn"),
    "no_repeat_days": _l("Days before a number may be drawn again"),
    "entries": _l("Entries"),
    "reason": _l("Reason"),
    "signed_by_id": _l("Signed by"),
    "version": _l("Version"),
    # Inspection findings and rectification.
    "target": _l("The finding is about"),
    "department": _l("Department"),
    "category": _l("Category"),
    "repeat_of": _l("Repeat of finding"),
    "survey_follow_up": _l("Survey follow-up"),
    "files": _l("Files"),
    "finding": _l("Finding"),
    "round": _l("Answer no."),
    "on_time": _l("On time"),
    "escalated_to_id": _l("Escalated to"),
    "verified": _l("Call back"),
    "escalated_to": _l("Escalated to"),
    "cause": _l("Cause"),
    # Decisions and honours on record.
    "decided_on": _l("Decided on"),
    "note": _l("Note"),
    "title": _l("Title"),
    "basis": _l("Proposed by the rule"),
    "round_name": _l("Promotion round"),
}

#: A field's label where one kind of object means something else by the name than the others do (a survey call's
#: outcome is its answer; a personnel decision's is what was decided).
OBJECT_FIELD_LABELS = {
    ("personnel_decision", "outcome"): _l("Decision taken"),
    ("personnel_decision", "reference"): _l("Document reference"),
    ("honour", "reference"): _l("Document reference"),
}

WEEK_STATUS_LABELS = {"open": _l("Open"), "signed": _l("Signed")}

#: A period's state when it is not final (a round's months and years: the round page, its confirmation, the audit).
PERIOD_NOT_FINAL_LABELS = {
    "not_opened": _l("not opened"),
    "open": _l("open, not computed yet"),
    "computed": _l("computed, not published"),
    "published": _l("published, not final"),
}

#: How a work fact came: a system's API call, or a file an administrator or a command sent.
CHANNEL_LABELS = {"api": _l("API"), "file": _l("File")}


def _value_labels(object_type: str, name: str) -> dict | None:
    """The words for a coded value of a field of this kind of object (a status, a completion, an outcome…)."""
    from worklog.survey.labels import ESCALATION_CAUSE_LABELS, KIND_LABELS, OUTCOME_LABELS, VERIFIED_LABELS
    from worklog.units.labels import STATUS_LABELS as EVALUATION_STATUS_LABELS
    if object_type == "work_fact" or name in ("quantity_rule", "channel"):
        from worklog.facts import labels as fact_labels
        words = {"status": fact_labels.status_labels(), "reason": fact_labels.REASON_SHORT,
                 "quantity_rule": fact_labels.QUANTITY_RULE_LABELS, "channel": CHANNEL_LABELS}.get(name)
        if words is not None:
            return words
    if object_type in ("personnel_decision", "honour") and name in ("kind", "outcome", "basis"):
        from worklog.decisions.labels import (DECISION_KIND_LABELS, HONOUR_KIND_LABELS, HONOUR_RULE_LABELS,
                                             OUTCOME_LABELS)
        return {"outcome": OUTCOME_LABELS, "basis": HONOUR_RULE_LABELS,
                "kind": DECISION_KIND_LABELS if object_type == "personnel_decision" else HONOUR_KIND_LABELS}[name]
    if object_type == "finding" and name in ("category", "target"):
        from worklog.inspection.labels import CATEGORY_LABELS, TARGET_LABELS
        return {"category": CATEGORY_LABELS, "target": TARGET_LABELS}[name]
    if name == "status":
        return {"entry": ENTRY_STATUS_LABELS, "day_log": DAY_STATUS_LABELS, "week_review": WEEK_STATUS_LABELS,
                "month_review": MONTH_STATUS_LABELS, "unit_evaluation_run": EVALUATION_STATUS_LABELS,
                "assigned_task": TASK_STATUS_LABELS, "appeal": APPEAL_STATUS_LABELS,
                "year_appeal": APPEAL_STATUS_LABELS, "background_job": JOB_STATUS_LABELS}.get(object_type)
    if object_type == "survey_follow_up" and name in ("verified", "cause"):
        return VERIFIED_LABELS if name == "verified" else ESCALATION_CAUSE_LABELS
    return {"completion": COMPLETION_LABELS, "role": ROLE_LABELS, "level": LEVEL_LABELS, "outcome": OUTCOME_LABELS,
            "kind": KIND_LABELS if object_type in ("survey_draw", "survey_contact") else None}.get(name)


def audit_action(action: str) -> str:
    """An audit event's action by name, in the reader's language (an unknown code as it is)."""
    label = AUDIT_ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def _audit_value(name: str, value, object_type: str = "") -> str:
    """A field's value, readable: grades, statuses and other codes by name, yes and no, a rule policy by its
    rules, the rest as written."""
    import json

    from flask_babel import gettext as _
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if name in ("grade", "final_grade", "override_grade") and value in GRADE_LABELS:
        return str(GRADE_LABELS[value])
    words = _value_labels(object_type, name) if isinstance(value, str) else None
    if words and value in words:
        return str(words[value])
    if name == "not_final" and isinstance(value, list):
        # The periods a round was published with while they were not final: "2026-10 · published, not final: …".
        return _("; ").join(_("%(period)s · %(state)s: %(units)s", period=item.get("period", ""),
                              state=PERIOD_NOT_FINAL_LABELS.get(item.get("status"), item.get("status", "")),
                              units=_(", ").join(str(u) for u in item.get("units", [])))
                            for item in value if isinstance(item, dict)) or "—"
    if name == "mail_kinds" and isinstance(value, list):
        from worklog.notifications.kinds import KINDS
        return _("; ").join(str(KINDS[code].label) if code in KINDS else str(code) for code in value) or "—"
    if name == "language" and isinstance(value, str):
        from worklog.i18n import LANGUAGE_NAMES
        return LANGUAGE_NAMES.get(value, value)
    if name == "policy" and isinstance(value, dict):
        from worklog.explanations import rule_name
        return _("; ").join(rule_name(rule) for rule in value.get("rules", []) if isinstance(rule, dict))
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def audit_details(event) -> list[tuple[str, str, str | None]]:
    """An event's before and after as readable lines: (field's label, value before or None, value after). A
    rule set's event names its rules as the rule set page does."""
    from worklog.rulesets.labels import FIELD_LABELS as RULE_FIELD_LABELS
    before, after = event.before or {}, event.after or {}
    if not isinstance(before, dict) or not isinstance(after, dict):
        return []
    lines = []
    for name in list(before) + [k for k in after if k not in before]:
        label = OBJECT_FIELD_LABELS.get((event.object_type, name)) or AUDIT_FIELD_LABELS.get(name) \
            or RULE_FIELD_LABELS.get(name)
        shown = str(label) if label is not None else name
        was = _audit_value(name, before[name], event.object_type) if name in before else None
        now = _audit_value(name, after[name], event.object_type) if name in after else "—"
        lines.append((shown, was, now))
    return lines

#: What an audit event is about, by its stored object type.
AUDIT_OBJECT_LABELS = {
    "indicator": _l("Indicator"),
    "indicator_plan": _l("Indicator plan"),
    "indicator_target": _l("Indicator target"),
    "department_target": _l("Department's target"),
    "indicator_value": _l("Indicator value"),
    "api_client": _l("API client"),
    "fact_mapping": _l("Work fact mapping"),
    "work_fact": _l("Work fact"),
    "appeal": _l("Monthly appeal"),
    "assigned_task": _l("Assigned task"),
    "assignment": _l("Assignment"),
    "background_job": _l("Background job"),
    "bonus_pool": _l("Bonus pool"),
    "calendar_day": _l("Calendar day"),
    "day_log": _l("Day"),
    "delegation": _l("Delegation"),
    "finding": _l("Inspection finding"),
    "honour": _l("Honour"),
    "personnel_decision": _l("Personnel decision"),
    "rectification": _l("Rectification"),
    "attachment": _l("Evidence file"),
    "department": _l("Department"),
    "entry": _l("Entry"),
    "import": _l("Import"),
    "month_adjustment": _l("Monthly bonus or deduction"),
    "month_result": _l("Monthly result"),
    "month_review": _l("Monthly review"),
    "person": _l("Person"),
    "post": _l("Post"),
    "promotion_round": _l("Promotion round"),
    "rule_set": _l("Rule set"),
    "sequence": _l("Sequence"),
    "survey_call": _l("Survey call"),
    "survey_contact": _l("Survey contact"),
    "survey_draw": _l("Survey sample"),
    "survey_follow_up": _l("Survey follow-up"),
    "survey_praise": _l("Praise from the survey"),
    "task_category": _l("Task category"),
    "task_type": _l("Task type"),
    "unit": _l("Unit"),
    "unit_evaluation_run": _l("Units' evaluation"),
    "veto_event": _l("Veto event"),
    "week_review": _l("Week"),
    "year_adjustment": _l("Annual adjustment"),
    "year_appeal": _l("Annual appeal"),
    "year_review": _l("Annual review"),
}


def audit_object(object_type: str) -> str:
    label = AUDIT_OBJECT_LABELS.get(object_type)
    return str(label) if label is not None else object_type
