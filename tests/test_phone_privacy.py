"""No page, export, log line or stored text shows a full phone number, except the survey staff's calling view.

The demo is loaded (its contacts, draws, calls and follow-ups), then every demo account walks the site as a
person would: from the home page, following every link it is shown (a few of each kind of address), XLSX
and CSV exports included. Each answer is searched for every contact's number in full, and so are the log
records of the whole run, the audit trail and every text column of every table but the cipher itself.
"""
from __future__ import annotations

import io
import logging
import re
import zipfile
from collections import deque
from urllib.parse import urljoin, urlsplit

import pytest
from bs4 import BeautifulSoup
from flask_babel import force_locale
from sqlalchemy import String, Text, select

from models import Base, SurveyContact
from tests.factories import sign_in
from worklog import demo
from worklog.extensions import db
from worklog.survey import phones


#: The one page allowed to show a number in full.
CALLING_VIEW = re.compile(r"^/survey/calls/\d+$")
#: Addresses a crawl must not follow: they end the session or change the language.
SKIP = re.compile(r"^/(sign-out|language)")
#: Of addresses that differ only in their numbers (one per officer, day, unit…), this many are visited.
PER_PATTERN = 3
PAGES_PER_ACCOUNT = 400


_SEPARATED_DIGITS = re.compile(r"(?<=\d)[\s\-.]{1,2}(?=\d)")
_DIGIT_RUN = re.compile(r"\d{%d,}" % phones.MIN_DIGITS)


def found_numbers(text: str, numbers: set[str]) -> set[str]:
    """The numbers that ``text`` contains, also when written with spaces or hyphens between the digits."""
    found = set()
    for run in _DIGIT_RUN.findall(_SEPARATED_DIGITS.sub("", text)):
        for length in range(phones.MIN_DIGITS, min(phones.MAX_DIGITS, len(run)) + 1):
            found |= {run[i:i + length] for i in range(len(run) - length + 1)} & numbers
    return found


def test_the_search_finds_numbers_however_written():
    numbers = {"13800138000", "057188776655"}
    assert found_numbers("call 138 0013 8000 now", numbers) == {"13800138000"}
    assert found_numbers("x0571-88776655y", numbers) == {"057188776655"}
    assert found_numbers("****8000 and 1380013800", numbers) == set()


def _body_text(response) -> str:
    data = response.get_data()
    if data[:2] == b"PK":  # an XLSX: the cells live in the XML parts
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "\n".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist()
                             if name.endswith(".xml"))
    return data.decode("utf-8", "replace")


def _links(html: str, base: str) -> list[str]:
    soup = BeautifulSoup(html, "html.parser")
    found = []
    for anchor in soup.find_all("a", href=True):
        target = urlsplit(urljoin("http://localhost" + base, anchor["href"]))
        if target.netloc == "localhost" and target.path:
            found.append(target.path + (f"?{target.query}" if target.query else ""))
    return found


def _crawl(client, numbers: set[str]) -> tuple[int, list[str], list[str]]:
    """(pages seen, addresses that showed a number, calling views that showed one)."""
    seen_patterns: dict[str, int] = {}
    visited: set[str] = set()
    queue = deque(["/", "/survey/", "/survey/contacts", "/survey/draws", "/survey/follow-ups", "/units/statistics",
                   "/units/bulletin", "/units/polls", "/units/evaluation"])
    leaks, calling = [], []
    while queue and len(visited) < PAGES_PER_ACCOUNT:
        path = queue.popleft()
        if path in visited or SKIP.match(path):
            continue
        pattern = re.sub(r"\d+", "#", path)
        if seen_patterns.get(pattern, 0) >= PER_PATTERN:
            continue
        seen_patterns[pattern] = seen_patterns.get(pattern, 0) + 1
        visited.add(path)
        response = client.get(path)
        if response.status_code != 200:
            continue
        body = _body_text(response)
        shown = found_numbers(body, numbers)
        if shown:
            (calling if CALLING_VIEW.match(urlsplit(path).path) else leaks).append(path)
        if response.mimetype == "text/html":
            queue.extend(_links(body, path))
    return len(visited), leaks, calling


@pytest.mark.slow
def test_no_page_export_log_or_record_shows_a_full_number(runner, new_client, caplog):
    caplog.set_level(logging.DEBUG)
    with force_locale("en"):
        result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    numbers = {phones.decrypt(c.phone_cipher) for c in db.session.scalars(select(SurveyContact))}
    numbers.discard(None)
    assert len(numbers) > 50, "the demo must have contacts to look for"

    calling_views = []
    for role, badge in demo.ACCOUNTS.items():
        client = new_client()
        assert sign_in(client, badge, demo.DEMO_PASSWORD).status_code == 302, role
        pages, leaks, calling = _crawl(client, numbers)
        assert pages > 5, role
        assert leaks == [], f"{role} saw a full number on {leaks}"
        if role != "survey":
            assert calling == [], role
        calling_views += calling
    # The control: the crawl does find the number where it is meant to be.
    assert calling_views, "the survey staff's calling view shows the number"

    # Logs of the whole run, and every text in the database but the cipher.
    logged = caplog.text + result.output
    assert not found_numbers(logged, numbers)
    db.session.expire_all()
    for table in Base.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, (String, Text))
                   and not (table.name == "survey_contact" and c.name == "phone_cipher")]
        columns += [c for c in table.columns if c.type.__class__.__name__ == "JSON"]
        if not columns:
            continue
        for row in db.session.execute(select(*columns)):
            text = " ".join(str(value) for value in row if value is not None)
            assert not found_numbers(text, numbers), f"a full number is stored in {table.name}"


def test_json_answers_mask_the_numbers_in_their_strings_and_keep_their_numbers(app):
    """An API answer's ids are numbers, and an id past ten million has a phone number's shape: it stays as it is,
    and the answer stays JSON; a phone number written into a string is masked."""
    import json
    from flask import jsonify
    from worklog.privacy import _mask_json
    with app.test_request_context("/api/v1/work-facts"):
        answer = _mask_json(jsonify({"entry_id": 13800138000, "id": 23456789,
                                     "message": "call 13800138000", "items": [{"note": "tel 021-63218888"}]}))
        data = json.loads(answer.get_data(as_text=True))
    assert data["entry_id"] == 13800138000 and data["id"] == 23456789
    assert "13800138000" not in data["message"] and data["message"].startswith("call ")
    assert "63218888" not in data["items"][0]["note"]
