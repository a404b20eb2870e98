"""Names of the survey's kinds, groups and outcomes as people read them, and the call scripts."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from models import CONTACT_GROUPS, CallOutcome, ContactKind

KIND_LABELS = {
    ContactKind.report_110.value: _l("110 report"),
    ContactKind.report_119.value: _l("119 report"),
    ContactKind.report_122.value: _l("122 report"),
    ContactKind.window_traffic.value: _l("Traffic administration window"),
    ContactKind.window_household.value: _l("Household registration window"),
    ContactKind.window_exit_entry.value: _l("Exit and entry window"),
    ContactKind.complaint.value: _l("Complaint"),
    ContactKind.petition.value: _l("Petition"),
    ContactKind.online.value: _l("Online complaint or petition"),
}

#: What an import may write in the kind column besides the value itself (compared without spaces, lower case).
KIND_WORDS = {
    ContactKind.report_110.value: ("110", "110报警", "110接处警", "报警", "报警求助"),
    ContactKind.report_119.value: ("119", "119报警", "火警"),
    ContactKind.report_122.value: ("122", "122报警", "交通事故报警"),
    ContactKind.window_traffic.value: ("交通管理", "交管", "车管", "交通管理窗口", "交管业务"),
    ContactKind.window_household.value: ("户籍", "户政", "户籍窗口", "户籍业务"),
    ContactKind.window_exit_entry.value: ("出入境", "出入境窗口", "出入境业务"),
    ContactKind.complaint.value: ("投诉",),
    ContactKind.petition.value: ("信访", "来信来访"),
    ContactKind.online.value: ("网上信访", "网上投诉", "网上投诉信访"),
}

GROUP_LABELS = {
    "reports": _l("Reports to 110, 119 and 122"),
    "windows": _l("Business at a window"),
    "complaints": _l("Complaints and petitions"),
}

#: What the survey staff say on the telephone, by group of contact.
SCRIPTS = {
    "reports": _l("Hello, this is the public security bureau's service survey. Recently you called the police "
                  "for help. May I ask you a few questions about how your call was handled? Were you satisfied "
                  "with how quickly and how well the police dealt with it?"),
    "windows": _l("Hello, this is the public security bureau's service survey. Recently you dealt with our "
                  "service window. May I ask you a few questions? Were you satisfied with the staff's "
                  "attitude, the waiting time and how your business was handled?"),
    "complaints": _l("Hello, this is the public security bureau's service survey. Recently you made a "
                     "complaint or petition to us. May I ask you a few questions? Were you satisfied with how "
                     "your matter was received, handled and answered?"),
}

OUTCOME_LABELS = {
    CallOutcome.satisfied.value: _l("Satisfied"),
    CallOutcome.basic.value: _l("Basically satisfied"),
    CallOutcome.dissatisfied.value: _l("Dissatisfied"),
    CallOutcome.unreachable.value: _l("Unreachable"),
    CallOutcome.refused.value: _l("Refused to answer"),
}


#: The survey staff's call back on a follow-up.
VERIFIED_LABELS = {
    "resolved": _l("Resolved"),
    "not_resolved": _l("Not resolved"),
}

#: A follow-up's states (worklog.survey.services.follow_up_state), as its list shows them.
FOLLOW_UP_STATE_LABELS = {
    "waiting": _l("Waiting for the unit's reply"),
    "overdue": _l("Overdue"),
    "replied": _l("Replied: to call back"),
    "resolved": _l("Resolved"),
    "not_resolved": _l("Not resolved"),
}

#: Why a follow-up went to the unit above.
ESCALATION_CAUSE_LABELS = {
    "not_resolved": _l("Not resolved on the call back"),
    "overdue": _l("No reply by the deadline"),
}


def group_of(kind: str) -> str:
    for group, kinds in CONTACT_GROUPS.items():
        if kind in {k.value for k in kinds}:
            return group
    raise KeyError(kind)
