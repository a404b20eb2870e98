"""The free-text masking (worklog.survey.phones.redact) against a corpus of the ways people write phone numbers,
and of ordinary figures it must leave alone. The rule it implements is written above ``redact``."""
from __future__ import annotations

import re

import pytest
from hypothesis import example, given, strategies as st

from worklog.survey.phones import redact

#: (text, what it must become). Every form of issue 11's finding 2, and the forms around them.
MASKED = [
    ("13912345678", "****5678"),
    ("139.1234.5678", "****5678"),
    ("139_1234_5678", "****5678"),
    ("139/1234/5678", "****5678"),
    ("139-1234-5678", "****5678"),
    ("139 1234 5678", "****5678"),
    ("139  1234  5678", "****5678"),
    ("139   1234\t5678", "****5678"),
    ("139 - 1234 - 5678", "****5678"),
    ("139\u30001234\u30005678", "****5678"),  # ideographic spaces
    ("139．1234．5678", "****5678"),  # full-width dots
    ("139－1234－5678", "****5678"),
    ("１３９１２３４５６７８", "****5678"),  # full-width digits
    ("１３９　１２３４　５６７８", "****5678"),
    ("一三九一二三四五六七八", "****5678"),  # Chinese digits
    ("一三九 一二三四 五六七八", "****5678"),
    ("幺三九幺二三四五六七八", "****5678"),  # 幺 for 1, as read aloud
    ("一五〇零零零零五六七八", "****5678"),  # 〇 and 零 for 0
    ("+8613912345678", "****5678"),
    ("+86 139 1234 5678", "****5678"),
    ("＋86 139 1234 5678", "****5678"),
    ("0086 139 1234 5678", "****5678"),
    ("0086-13912345678", "****5678"),
    ("(0571)8765.4321", "****4321"),
    ("(0571) 8765 4321", "****4321"),
    ("（0571）87654321", "****4321"),
    ("（０５７１）８７６５４３２１", "****4321"),
    ("0571-87654321", "****4321"),
    ("0571 8765 4321", "****4321"),
    ("057187654321", "****4321"),
    ("010-6523 4567", "****4567"),
    ("(010)65234567", "****4567"),
    ("021.6234.5678", "****5678"),
    ("+86 571 8765 4321", "****4321"),
    ("+86 (571) 8765 4321", "****4321"),
    ("87654321", "****4321"),  # a local landline without its area code
    ("8765-4321", "****4321"),
    ("8765 4321", "****4321"),
    ("876-5432", "****5432"),
    ("８７６５ ４３２１", "****4321"),
    ("13912345678.0", "****5678.0"),  # a spreadsheet turned the number into a decimal
]

#: Sentences with a number inside: only the number changes.
IN_TEXT = [
    ("请回电13912345678，谢谢", "请回电****5678，谢谢"),
    ("tel:139.1234.5678 (mobile)", "tel:****5678 (mobile)"),
    ("联系电话：(0571)8765.4321。", "联系电话：****4321。"),
    ("手机一三九一二三四五六七八，固话八七六五四三二一", "手机****5678，固话****4321"),
    ("13912345678 12.50 2026-11-29 87654321", "****5678 12.50 2026-11-29 ****4321"),
    ("call 139 1234 5678 or 0571-8765-4321 after 18:00", "call ****5678 or ****4321 after 18:00"),
    ("numbers 13912345678,13812345678", "numbers ****5678,****5678"),
    ("report_13912345678.xlsx", "report_****5678.xlsx"),
    ("contacts 139-1234-5678.csv", "contacts ****5678.csv"),
]

#: Ordinary figures that are not phone numbers: they stay as written.
UNMASKED = [
    "2026-11-29", "2026.11.29", "2026/11/29", "2026_11_29", "20261129", "2026年11月29日",
    "2026-11-29 09:00", "2026-11-29 2026-11-30",
    "12.50", "1234.50", "13.50 12.25 10.00", "0.85", "110.00",
    "badge 310003", "警号 900001", "310003 310004 310005",
    "A2026112900123", "110101199003071234",  # a reference and an 18-digit identity number
    "J2026001", "R2345678", "case A-2345678x", "sha 9f86d0818884c7d659a2feaa0c55ad015",  # codes glued to letters
    "139123456789",  # 12 digits: not a mobile followed by a 9
    "1234567", "12345678",  # local numbers never begin with 1
    "第一二三四季度", "一二三四五六", "三月二十九日",
    "score 98.5, rank 3 of 120",
    "****5678",  # already masked
    "2026-W48", "2026-11",
    "http://localhost/daily/2026-11-29",
]


@pytest.mark.parametrize("text,expected", MASKED + IN_TEXT)
def test_numbers_however_written_are_masked(text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize("text", UNMASKED)
def test_ordinary_figures_stay(text):
    assert redact(text) == text


def test_masking_is_idempotent():
    for text, _ in MASKED + IN_TEXT:
        once = redact(text)
        assert redact(once) == once


_SEPARATORS = [" ", "  ", ".", "_", "/", "-", " - ", "\u3000", "．", "－", "／"]
_FULL = str.maketrans("0123456789", "０１２３４５６７８９")
_CHINESE = str.maketrans("0123456789", "〇一二三四五六七八九")


@given(prefix=st.sampled_from("3456789"), rest=st.text("0123456789", min_size=9, max_size=9),
       separator=st.sampled_from(_SEPARATORS), digits=st.sampled_from(["ascii", "full", "chinese"]),
       split=st.sampled_from([(3, 8), (3, 4, 4), (4, 4, 3), (4, 7), (11,)]),
       around=st.sampled_from([("", ""), ("电话", "。"), ("call ", " now"), ("(", ")")]))
def test_any_mobile_in_any_writing_is_masked(prefix, rest, separator, digits, split, around):
    number = "1" + prefix + rest
    groups, at = [], 0
    for size in split:
        groups.append(number[at:at + size])
        at += size
    written = separator.join(groups)
    written = written.translate(_FULL) if digits == "full" else \
        written.translate(_CHINESE) if digits == "chinese" else written
    text = around[0] + written + around[1]
    shown = redact(text)
    assert shown == around[0] + "****" + number[-4:] + around[1]


@given(whole=st.integers(0, 99999), cents=st.integers(0, 99), count=st.integers(1, 6))
def test_points_and_amounts_stay(whole, cents, count):
    text = " ".join(f"{whole + i}.{cents:02d}" for i in range(count))
    assert redact(text) == text


@given(st.dates())
def test_dates_stay(day):
    for written in (day.isoformat(), day.strftime("%Y.%m.%d"), day.strftime("%Y/%m/%d"),
                    day.strftime("%Y%m%d") if 1900 <= day.year <= 2099 else day.isoformat()):
        assert redact(written) == written, written


@given(st.text(alphabet=st.sampled_from(list("0123456789１３５一三九〇 .-_/()（）+86abc电话")), max_size=40))
@example("2002000_0000")  # once "****2000_0000", where "2000_0000" is a number
def test_masking_any_text_twice_changes_nothing_more(text):
    """Whatever the text, masking it again finds nothing left to mask (no number is made of the masks)."""
    once = redact(text)
    assert redact(once) == once


# --- The boundaries ----------------------------------------------------------------------------------------------


def test_an_audit_event_keeps_no_number(app):
    """Finding: a survey correction's reason, or an import file's name, put a full number in the audit trail."""
    from models import AuditEvent
    from worklog import audit
    from worklog.extensions import db
    event = audit.record(None, "test.recorded", "test", None, reason="新号码 139.1234.5678",
                         before={"comment": "(0571)8765.4321"},
                         after={"file": "来电 139_1234_5678.xlsx", "rows": 12, "list": ["一三九一二三四五六七八"]})
    db.session.flush()
    db.session.expire(event)
    stored = db.session.get(AuditEvent, event.id)
    assert stored.reason == "新号码 ****5678"
    assert stored.before == {"comment": "****4321"}
    assert stored.after == {"file": "来电 ****5678.xlsx", "rows": 12, "list": ["****5678"]}


def test_log_lines_keep_no_number(app, caplog):
    import logging
    caplog.set_level(logging.INFO)
    app.logger.warning("Import of %s failed", "contacts 139.1234.5678.csv")
    logging.getLogger("werkzeug").info('"GET /survey/contacts?q=139_1234_5678 HTTP/1.1" 200 -')
    try:
        raise ValueError("bad cell (0571)8765.4321")
    except ValueError:
        app.logger.exception("Unhandled error")
    assert "****5678.csv" in caplog.text
    assert "1234.5678" not in caplog.text and "1234_5678" not in caplog.text and "8765.4321" not in caplog.text
    assert "****4321" in caplog.text


def test_an_upload_name_is_masked(app):
    from worklog.spreadsheets import file_name
    assert file_name(r"C:\Users\张三\来电 139 1234 5678.xlsx") == "来电 ****5678.xlsx"
    assert file_name("contacts-2026-11-29.csv") == "contacts-2026-11-29.csv"


def test_exports_keep_no_number(app):
    from worklog.exports import csv_response, safe_cell
    response = csv_response(["comment"], [["回电 139.1234.5678"], [12.5], ["2026-11-29"]], "名单 13912345678.csv")
    body = response.get_data(as_text=True)
    assert "****5678" in body and "1234.5678" not in body and "2026-11-29" in body
    assert "13912345678" not in response.headers["Content-Disposition"]
    assert safe_cell("=1+2") == "'=1+2"


def test_pages_mask_what_templates_write_but_the_calling_views_number(app):
    from flask import render_template_string
    from markupsafe import Markup
    from worklog.survey.phones import InFull
    with app.test_request_context():
        page = render_template_string(
            "{{ text }}|{{ markup }}|{{ number }}|{{ link }}|{{ points }}",
            text="回电 (0571)8765.4321", markup=Markup("<b>139 1234 5678</b>"), number=InFull("13912345678"),
            link="/entries/23456789/edit", points=12.5)
    assert page == "回电 ****4321|<b>****5678</b>|13912345678|/entries/23456789/edit|12.5"


def test_json_answers_keep_no_number(app, client, org):
    """A job's progress (JSON) carries its error's text."""
    from flask import jsonify
    app.add_url_rule("/test-json", "test_json", lambda: jsonify({"error": "cell 139.1234.5678", "done": 3}))
    body = client.get("/test-json").get_json()
    assert body == {"error": "cell ****5678", "done": 3}


def test_a_csrf_token_that_looks_like_a_phone_number_is_written_as_it_is(app, client, org, monkeypatch):
    """The masking of pages changes digits and their separators; a form's token that happened to hold a number's
    shape would be changed too, and every post of that page refused. The tokens are written unmasked."""
    from flask_wtf import csrf
    from tests.factories import sign_in
    from worklog import web
    token = "Ik1-139-1234-5678-Zx"
    monkeypatch.setattr(csrf, "generate_csrf", lambda *args, **kwargs: token)
    monkeypatch.setattr(web, "generate_csrf", lambda *args, **kwargs: token)
    sign_in(client, org["officer_a"].badge)
    app.config["WTF_CSRF_ENABLED"] = True
    page = client.get("/day", follow_redirects=True).get_data(as_text=True)
    assert page.count(f'value="{token}"') >= 2  # the entry form's and the menu's sign-out form's
