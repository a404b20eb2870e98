"""The waiting queue: facts not entered, by source and reason, a page at a time; matched again once their cause is
fixed."""
from __future__ import annotations

import re
from datetime import date

from bs4 import BeautifulSoup
from sqlalchemy import select

from models import WorkFact
from tests.facts.conftest import fact, send
from tests.factories import make_person, state_counts
from worklog.extensions import db


def status_of(external_id: str) -> str:
    db.session.expire_all()
    return db.session.scalar(select(WorkFact.status).where(WorkFact.external_id == external_id))


def listed(response) -> list[str]:
    """The ids in the queue's table, in order."""
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    tables = soup.find_all("table")
    facts = [t for t in tables if t.find("th", string="Occurred at")]
    if not facts:
        return []
    return [tr.find_all("td")[1].get_text(strip=True) for tr in facts[0].find("tbody").find_all("tr")]


def by_reason(response) -> dict[str, int]:
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    table = next(t for t in soup.find_all("table") if t.find("th", string="Facts"))
    return {tr.find_all("td")[1].find("a").get_text(strip=True): int(tr.find_all("td")[2].get_text(strip=True))
            for tr in table.find("tbody").find_all("tr")}


def test_the_queue_lists_what_is_not_entered_with_its_reason_in_words(admin, mapped):
    send([fact("c1"), fact("x1", badge="999999"), fact("t1", type_="stop"), fact("s1", type_="scene")]
         + [fact(f"c{i}", when=f"2026-11-24T{8 + i // 2:02d}:{(i % 2) * 30:02d}:00+08:00") for i in range(2, 12)])
    response = admin.get("/admin/facts/waiting")
    assert response.status_code == 200
    assert listed(response) == ["x1", "t1", "s1", "c11"]  # oldest first; c1 … c10 are entered
    page = response.get_data(as_text=True)
    assert "No officer has this badge number." in page
    assert "The task&#39;s daily cap for the officer is reached." in page
    assert by_reason(response) == {"Unknown badge": 1, "Unmapped type": 1, "Task not open": 1, "Daily cap": 1}
    assert "Match again (4 facts)" in page


def test_the_queue_is_filtered_by_source_and_reason(admin, mapped):
    send([fact("x1", badge="999999"), fact("t1", type_="stop")])
    send([fact("y1", badge="999998")], source="ajxt")
    assert listed(admin.get("/admin/facts/waiting?source=jj110")) == ["x1", "t1"]
    assert listed(admin.get("/admin/facts/waiting?reason=unknown_badge")) == ["x1", "y1"]
    assert listed(admin.get("/admin/facts/waiting?source=ajxt&reason=unknown_badge")) == ["y1"]
    assert listed(admin.get("/admin/facts/waiting?source=nobody")) == []
    assert by_reason(admin.get("/admin/facts/waiting?source=ajxt")) == {"Unknown badge": 1}


def test_the_queue_is_read_a_page_at_a_time(app, admin, mapped):
    app.config["PAGE_SIZE"] = 2
    send([fact(f"x{i}", badge=f"99999{i}") for i in range(5)])
    seen, url = [], "/admin/facts/waiting?source=jj110"
    while url:
        response = admin.get(url)
        seen += listed(response)
        found = re.search(r'href="([^"]*after=\d+[^"]*)">Next<', response.get_data(as_text=True))
        url = found and found.group(1).replace("&amp;", "&")
    assert seen == ["x0", "x1", "x2", "x3", "x4"]


def test_odd_filters_find_nothing_and_break_nothing(admin, mapped):
    send([fact("x1", badge="999999")])
    for query in ["after=abc", "after=-5", "after=99999999999999999999", "reason=nonsense", "source=" + "x" * 500,
                  "source=%00"]:
        assert admin.get(f"/admin/facts/waiting?{query}").status_code in (200, 400), query
    assert listed(admin.get("/admin/facts/waiting?reason=nonsense")) == ["x1"]  # an unknown reason: no filter


def test_a_waiting_fact_is_entered_once_its_officer_exists_and_it_is_matched_again(admin, org, mapped):
    send([fact("x1", badge="200777"), fact("t1", type_="stop")])
    assert status_of("x1") == "waiting"
    make_person("200777", "New Officer", org.dept_a, org.post, valid_from=date(2026, 11, 1))
    db.session.commit()
    response = admin.post("/admin/facts/waiting/match", data={})
    assert response.status_code == 302
    assert "Matched again: 1 entered, 1 still not entered." in admin.get(response.location).get_data(as_text=True)
    assert status_of("x1") == "entered" and status_of("t1") == "waiting"
    assert listed(admin.get("/admin/facts/waiting")) == ["t1"]


def test_match_again_tries_only_the_facts_the_filters_show(admin, org, mapped):
    send([fact("x1", badge="200777"), fact("t1", type_="stop")])
    make_person("200777", "New Officer", org.dept_a, org.post, valid_from=date(2026, 11, 1))
    db.session.commit()
    response = admin.post("/admin/facts/waiting/match", data={"reason": "unmapped_type"})
    assert response.location.endswith("/admin/facts/waiting?reason=unmapped_type")
    assert status_of("x1") == "waiting"  # not among those shown
    admin.post("/admin/facts/waiting/match", data={"source": "jj110", "reason": "unknown_badge"})
    assert status_of("x1") == "entered"


def test_a_forged_match_request_changes_nothing(admin, mapped):
    send([fact("x1", badge="999999")])
    before = state_counts()
    response = admin.post("/admin/facts/waiting/match", data={"source": "x" * 41})
    assert response.status_code == 302
    assert state_counts() == before
