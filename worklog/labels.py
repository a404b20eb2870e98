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
    """A notification in the reader's language, from its kind and stored parameters."""
    from flask_babel import gettext as _
    p = notification.params or {}
    if notification.kind == "entry_returned":
        return _("%(by)s returned your entry “%(task)s” of %(day)s: %(comment)s", by=p.get("by", ""),
                 task=p.get("task", ""), day=p.get("day", ""), comment=p.get("comment", ""))
    if notification.kind == "task_assigned":
        return _("%(by)s assigned you “%(task)s” × %(quantity)s, due %(due)s. %(note)s", by=p.get("by", ""),
                 task=p.get("task", ""), quantity=p.get("quantity", ""), due=p.get("due", ""),
                 note=p.get("note", ""))
    if notification.kind == "survey_follow_up":
        from worklog.survey.labels import KIND_LABELS
        return _("A caller of the police-service survey (%(kind)s) was dissatisfied: the unit's reply is due by "
                 "%(deadline)s.", kind=KIND_LABELS.get(p.get("kind", ""), p.get("kind", "")),
                 deadline=p.get("deadline", ""))
    if notification.kind == "delegated":
        return _("You act as supervisor for %(supervisor)s from %(start)s to %(end)s.",
                 supervisor=p.get("supervisor", ""), start=p.get("start", ""), end=p.get("end", ""))
    return notification.kind


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
