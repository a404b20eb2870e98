"""The registry of notification kinds: every kind the code sends is in it, and each is worded in both languages."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from flask_babel import force_locale

from models import Notification, Role
from worklog.notifications.kinds import KINDS, UNIT_SIDE, kinds_for, subject_of, text_of

ROOT = Path(__file__).resolve().parent.parent.parent
#: The functions that write a notification, and which argument names its kind.
WRITERS = {"notify": 1, "tell": 0, "_tell": 1}


def _sent_kinds() -> set[str]:
    """Every kind written in the application's code: the constant kinds of the calls above, and of ``Notification``
    rows made by hand (the demo)."""
    found = set()
    for path in (ROOT / "worklog").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
            values = []
            if name in WRITERS and len(node.args) > WRITERS[name]:
                values.append(node.args[WRITERS[name]])
            values += [k.value for k in node.keywords if name in WRITERS | {"Notification": 0} and k.arg == "kind"]
            found |= {v.value for v in values if isinstance(v, ast.Constant) and isinstance(v.value, str)}
    return found


def test_every_kind_the_code_sends_is_registered():
    sent = _sent_kinds()
    # The calls were found (a renamed writer would make this test pass on nothing).
    assert {"entry_returned", "task_assigned", "delegated", "survey_follow_up", "survey_follow_up_escalated",
            "indicator_behind", "rectification_due", "rectification_returned", "rectification_escalated",
            "results_published", "appeal_decided", "round_published", "week_signed", "day_not_submitted",
            "appeal_closing", "follow_up_due", "rectification_due_soon"} <= sent, sent
    assert sent <= set(KINDS), sent - set(KINDS)


PARAMS = {"by": "Zhang", "task": "Patrol", "day": "2026-11-20", "comment": "x", "quantity": "2", "due": "3",
          "note": "", "week": "2026-11-16", "entries": "9", "points": "18", "period": "2026-10", "unit": "County",
          "deadline": "2026-11-30", "upheld": True, "decision": "d", "round": "R", "supervisor": "Li",
          "start": "2026-11-23", "end": "2026-11-30", "kind": "complaint", "indicator": "I", "value": "1",
          "department": "", "finding": "7", "category": "discipline", "cause": "overdue"}


@pytest.mark.parametrize("code", sorted(KINDS))
def test_each_kind_is_worded_in_english_and_in_chinese(app, code):
    note = Notification(kind=code, params=PARAMS)
    with force_locale("en"):
        english = (text_of(note), subject_of(note), str(KINDS[code].label))
    with force_locale("zh_CN"):
        chinese = (text_of(note), subject_of(note), str(KINDS[code].label))
    for en, zh in zip(english, chinese):
        assert en and zh and en != zh
        assert "%(" not in en and "%(" not in zh
        assert re.search(r"[\u4e00-\u9fff]", zh), zh
        assert not set(re.findall(r"[A-Za-z]{4,}", zh)) - {"Zhang", "Patrol", "County"}, zh
    assert len(chinese[1]) <= 200


def test_an_unknown_kind_reads_as_its_code():
    assert text_of(Notification(kind="retired_kind", params={})) == "retired_kind"


def test_the_unit_sides_kinds_are_offered_only_to_those_who_answer_for_a_unit():
    personal = {k.code for k in kinds_for(set())}
    assert "entry_returned" in personal and "follow_up_due" not in personal
    panel = {k.code for k in kinds_for({Role.panel.value})}
    assert {"follow_up_due", "rectification_due_soon", "indicator_behind"} <= panel and personal <= panel
    assert {k.code for k in KINDS.values() if k.audience} == panel - personal
    assert UNIT_SIDE == {Role.panel.value, Role.admin.value, Role.inspector.value}
