"""The kinds of notification: for each stored code, its name on the settings page, the sentence shown in the app
and in a mail, the mail's subject, and the page its link opens. A notification stores only its kind and the values
that fill these (``params``), so it is worded in the reader's language when it is read or mailed."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from flask_babel import gettext as _, lazy_gettext as _l

from models import Role

Params = dict


@dataclass(frozen=True)
class Kind:
    code: str
    #: What a person chooses on the settings page.
    label: object
    #: The sentence, in the current language, from the stored values.
    text: Callable[[Params], str]
    #: A mail's subject line, in the current language.
    subject: Callable[[Params], str]
    #: The page the notification links to, when the caller names none.
    endpoint: str = ""
    #: Who may receive it: None for anyone; else the roles that answer for a unit (its settings are shown only
    #: to those who hold one).
    audience: frozenset[str] | None = None
    #: Sent by ``flask notifications remind`` on a schedule (each once, by its key), not by an action.
    scheduled: bool = False


def _v(p: Params, name: str) -> str:
    value = p.get(name, "")
    return "" if value is None else str(value)


def _period(p: Params) -> str:
    return _v(p, "period")


def _survey_kind(p: Params) -> str:
    from worklog.survey.labels import KIND_LABELS
    return str(KIND_LABELS.get(_v(p, "kind"), _v(p, "kind")))


def _category(p: Params) -> str:
    from worklog.inspection.labels import CATEGORY_LABELS
    return str(CATEGORY_LABELS.get(_v(p, "category"), _v(p, "category")))


def _appeal_decided(p: Params) -> str:
    if p.get("upheld"):
        return _("Your appeal against the results of %(period)s was upheld: %(decision)s", period=_period(p),
                 decision=_v(p, "decision"))
    return _("Your appeal against the results of %(period)s was rejected: %(decision)s", period=_period(p),
             decision=_v(p, "decision"))


def _follow_up_escalated(p: Params) -> str:
    if p.get("cause") == "overdue":
        return _("A dissatisfied caller's case at %(unit)s (%(kind)s) had no reply by its deadline, %(deadline)s: "
                 "it is escalated to your unit.", unit=_v(p, "unit"), kind=_survey_kind(p),
                 deadline=_v(p, "deadline"))
    return _("A dissatisfied caller's case at %(unit)s (%(kind)s) was not resolved, the survey's call back "
             "found: it is escalated to your unit.", unit=_v(p, "unit"), kind=_survey_kind(p))


UNIT_SIDE = frozenset({Role.panel.value, Role.admin.value, Role.inspector.value})

_KINDS = [
    # An officer's own work.
    Kind("day_not_submitted", _l("A day of mine not yet submitted, near its deadline"),
         lambda p: _("Your day of %(day)s is not submitted yet: it is due by %(deadline)s.", day=_v(p, "day"),
                     deadline=_v(p, "deadline")),
         lambda p: _("Day of %(day)s not submitted yet", day=_v(p, "day")),
         "daily.day_page", scheduled=True),
    Kind("entry_returned", _l("An entry of mine returned"),
         lambda p: _("%(by)s returned your entry “%(task)s” of %(day)s: %(comment)s", by=_v(p, "by"),
                     task=_v(p, "task"), day=_v(p, "day"), comment=_v(p, "comment")),
         lambda p: _("Entry returned: %(task)s of %(day)s", task=_v(p, "task"), day=_v(p, "day")),
         "daily.day_page"),
    Kind("task_assigned", _l("A task assigned to me"),
         lambda p: _("%(by)s assigned you “%(task)s” × %(quantity)s, due %(due)s. %(note)s", by=_v(p, "by"),
                     task=_v(p, "task"), quantity=_v(p, "quantity"), due=_v(p, "due"), note=_v(p, "note")),
         lambda p: _("Task assigned: %(task)s", task=_v(p, "task")),
         "daily.today"),
    Kind("week_signed", _l("A week of mine signed"),
         lambda p: _("%(by)s signed your week of %(week)s: %(entries)s entries approved, %(points)s points.",
                     by=_v(p, "by"), week=_v(p, "week"), entries=_v(p, "entries"), points=_v(p, "points")),
         lambda p: _("Week of %(week)s signed", week=_v(p, "week")),
         "daily.day_page"),
    Kind("results_published", _l("Results of a month or a year published"),
         lambda p: _("The results of %(period)s at %(unit)s are published: read yours. Appeals may be filed until "
                     "%(deadline)s.", period=_period(p), unit=_v(p, "unit"), deadline=_v(p, "deadline")),
         lambda p: _("Results of %(period)s published", period=_period(p)),
         "monthly.my_months"),
    Kind("appeal_closing", _l("The appeal window about to close"),
         lambda p: _("Appeals against the results of %(period)s at %(unit)s may be filed until %(deadline)s.",
                     period=_period(p), unit=_v(p, "unit"), deadline=_v(p, "deadline")),
         lambda p: _("Appeals for %(period)s close on %(deadline)s", period=_period(p), deadline=_v(p, "deadline")),
         "monthly.my_months", scheduled=True),
    Kind("appeal_decided", _l("An appeal of mine decided"), _appeal_decided,
         lambda p: _("Appeal decided: results of %(period)s", period=_period(p)),
         "monthly.my_months"),
    Kind("round_published", _l("A promotion round published with me on it"),
         lambda p: _("The list of “%(round)s” was published, and you are on it: your eligibility page says why.",
                     round=_v(p, "round")),
         lambda p: _("On the published list of “%(round)s”", round=_v(p, "round")),
         "hr.my_eligibility"),
    Kind("delegated", _l("Supervision delegated to me"),
         lambda p: _("You act as supervisor for %(supervisor)s from %(start)s to %(end)s.",
                     supervisor=_v(p, "supervisor"), start=_v(p, "start"), end=_v(p, "end")),
         lambda p: _("Acting as supervisor for %(supervisor)s", supervisor=_v(p, "supervisor")),
         "weekly.queue"),
    # What a unit's panel, administrators and inspectors answer for.
    Kind("survey_follow_up", _l("A dissatisfied caller's follow-up for my unit"),
         lambda p: _("A caller of the police-service survey (%(kind)s) was dissatisfied: the unit's reply is due by "
                     "%(deadline)s.", kind=_survey_kind(p), deadline=_v(p, "deadline")),
         lambda p: _("Survey follow-up: reply due by %(deadline)s", deadline=_v(p, "deadline")),
         "survey.follow_ups", audience=UNIT_SIDE),
    Kind("follow_up_due", _l("A follow-up near its deadline without a reply"),
         lambda p: _("The follow-up of a dissatisfied caller (%(kind)s) at %(unit)s has no reply yet and is due by "
                     "%(deadline)s.", kind=_survey_kind(p), unit=_v(p, "unit"), deadline=_v(p, "deadline")),
         lambda p: _("Follow-up due by %(deadline)s", deadline=_v(p, "deadline")),
         "survey.follow_ups", audience=UNIT_SIDE, scheduled=True),
    Kind("survey_follow_up_escalated", _l("A follow-up escalated to my unit"), _follow_up_escalated,
         lambda p: _("Survey follow-up escalated from %(unit)s", unit=_v(p, "unit")),
         "survey.follow_ups", audience=UNIT_SIDE),
    Kind("indicator_behind", _l("An indicator behind its target"),
         lambda p: _("%(where)s is behind on “%(indicator)s”: %(value)s against %(due)s due by now.",
                     where=_v(p, "department") or _v(p, "unit"), indicator=_v(p, "indicator"), value=_v(p, "value"),
                     due=_v(p, "due")),
         lambda p: _("Behind on “%(indicator)s”", indicator=_v(p, "indicator")),
         "indicators.index", audience=UNIT_SIDE),
    Kind("rectification_due", _l("A rectification asked of my unit"),
         lambda p: _("Inspection finding no. %(id)s (%(category)s) asks your unit for rectification by %(deadline)s.",
                     id=_v(p, "finding"), category=_category(p), deadline=_v(p, "deadline")),
         lambda p: _("Rectification asked by %(deadline)s", deadline=_v(p, "deadline")),
         "inspection.rectifications", audience=UNIT_SIDE),
    Kind("rectification_due_soon", _l("A rectification near its deadline, not yet accepted"),
         lambda p: _("The rectification of finding no. %(id)s (%(category)s) is due by %(deadline)s and is not "
                     "accepted yet.", id=_v(p, "finding"), category=_category(p), deadline=_v(p, "deadline")),
         lambda p: _("Rectification due by %(deadline)s", deadline=_v(p, "deadline")),
         "inspection.rectifications", audience=UNIT_SIDE, scheduled=True),
    Kind("rectification_returned", _l("A rectification returned by the inspector"),
         lambda p: _("The inspector returned your unit's rectification of finding no. %(id)s (%(category)s): answer "
                     "again by %(deadline)s.", id=_v(p, "finding"), category=_category(p),
                     deadline=_v(p, "deadline")),
         lambda p: _("Rectification returned: finding no. %(id)s", id=_v(p, "finding")),
         "inspection.rectifications", audience=UNIT_SIDE),
    Kind("rectification_escalated", _l("A rectification escalated to my unit"),
         lambda p: _("The rectification of finding no. %(id)s (%(category)s) was not accepted by its deadline "
                     "%(deadline)s and has been escalated to your unit.", id=_v(p, "finding"), category=_category(p),
                     deadline=_v(p, "deadline")),
         lambda p: _("Rectification escalated: finding no. %(id)s", id=_v(p, "finding")),
         "inspection.rectifications", audience=UNIT_SIDE),
]

#: Every kind, by its stored code, in the order the settings page lists them.
KINDS: dict[str, Kind] = {kind.code: kind for kind in _KINDS}

#: The kinds ticked on the settings page of a person who has not chosen yet: what concerns them directly.
SUGGESTED = ("entry_returned", "task_assigned", "results_published", "appeal_closing", "appeal_decided",
             "round_published", "delegated", "follow_up_due", "rectification_due_soon")


def kinds_for(roles: set[str]) -> list[Kind]:
    """The kinds a person holding ``roles`` may receive."""
    return [kind for kind in _KINDS if kind.audience is None or kind.audience & roles]


def text_of(notification) -> str:
    """A notification in the current language."""
    kind = KINDS.get(notification.kind)
    if kind is None:
        return notification.kind
    return kind.text(notification.params or {})


def subject_of(notification) -> str:
    kind = KINDS.get(notification.kind)
    if kind is None:
        return notification.kind
    return kind.subject(notification.params or {})
