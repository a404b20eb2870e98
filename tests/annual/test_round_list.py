"""A round's list is judged once and stored: its page reads a page of the stored rows with the counts of the whole
round, filtered by unit, eligibility and name or badge; its spreadsheet streams the same rows."""
from __future__ import annotations

import io
import json
import re
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, insert, select, update

from models import Assignment, MonthResult, Person, PromotionCandidate, PromotionRound
from tests.daily.conftest import count_queries
from tests.annual.policy_form import policy_data
from tests.annual.publishing import publish
from tests.factories import sign_in, state_counts
from worklog import integrity
from worklog.extensions import db

pytestmark = pytest.mark.postgres

#: The frame of any signed-in page (session, grants) and the round's own reads: at most this many statements.
MAX_QUERIES = 10


def _round(client, org, unit=None) -> PromotionRound:
    sign_in(client, org["hr_a"].badge)
    response = client.post("/hr", data={"name": "2026 competitive promotion", "unit": (unit or org.city_a).id,
                                        "reference_date": "2026-11-15", "policy": "competitive_promotion"})
    assert response.status_code == 302, response.get_data(as_text=True)
    return db.session.scalar(select(PromotionRound).order_by(PromotionRound.id.desc()))


def _extra_officers(county, org, n: int) -> None:
    """``n`` more officers of the county's station, written straight into the tables (no history: none eligible)."""
    db.session.execute(insert(Person), [{"badge": f"8{i:05d}", "name": f"Extra {i:03d}", "rank": "",
                                         "hire_date": date(2020, 1, 1), "active": True,
                                         "must_change_password": False} for i in range(n)])
    ids = db.session.scalars(select(Person.id).where(Person.badge.like("8%")))
    db.session.execute(insert(Assignment), [{"person_id": pid, "department_id": county.department.id,
                                             "post_id": org.post.id, "valid_from": date(2025, 1, 1)} for pid in ids])
    db.session.commit()


def _rows(page: str) -> list[str]:
    """The officers' names of the list's rows, in order."""
    return re.findall(r'<tr class="candidate[^"]*">\s*<td class="num">\d+</td>\s*<td>([^<]+?) <span', page)


def _places(page: str) -> list[int]:
    return [int(p) for p in re.findall(r'<tr class="candidate[^"]*">\s*<td class="num">(\d+)</td>', page)]


def test_the_page_reads_a_page_of_the_stored_list_and_never_judges(app, client, org, county, history):
    """The province's round judged every officer on every view (39 s, 31.7 MB at 100,000 officers)."""
    _extra_officers(county, org, 70)
    round_ = _round(client, org)
    with count_queries() as statements:
        response = client.get(f"/hr/rounds/{round_.id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert not [s for s in statements if "month_result" in s or "veto_event" in s or "year_result" in s]
    assert len(statements) <= MAX_QUERIES, "\n".join(statements)
    assert len(_rows(page)) == app.config["PAGE_SIZE"]
    total = db.session.scalar(select(func.count()).select_from(PromotionCandidate)
                              .where(PromotionCandidate.round_id == round_.id))
    assert total > 80 and f"{total} officers" in page
    # Page 2 goes on where page 1 stopped, under the same counts of the whole round.
    second = client.get(f"/hr/rounds/{round_.id}?page=2").get_data(as_text=True)
    assert _places(second)[0] == app.config["PAGE_SIZE"] + 1 and f"{total} officers" in second


def test_counts_by_reason_filters_and_search(app, client, org, county, history):
    app.config["PAGE_SIZE"] = 3
    round_ = _round(client, org)
    url = f"/hr/rounds/{round_.id}"
    page = client.get(url).get_data(as_text=True)
    officers = db.session.scalars(select(PromotionCandidate).where(PromotionCandidate.round_id == round_.id)).all()
    assert len(officers) > 10  # the county of ten and the org's people in City A
    # Counts of the whole round: O1 alone has four excellent months; everybody else fails that one rule.
    counts = page[page.index('round-counts'):]
    assert re.search(r"Eligible\s*<strong>1</strong>", counts)
    assert re.search(rf"Not eligible\s*<strong>{len(officers) - 1}</strong>", counts)
    assert re.search(rf"Failing: at least 4 monthly “Excellent” grades[^<]*<strong>{len(officers) - 1}</strong>",
                     counts)
    assert _rows(page)[0] == "O1" and _places(page) == [1, 2, 3]

    eligible = client.get(f"{url}?show=eligible").get_data(as_text=True)
    assert _rows(eligible) == ["O1"] and "1 officer matches" in eligible
    failing = client.get(f"{url}?show=rule-0&page=2").get_data(as_text=True)
    assert _places(failing) == [5, 6, 7] and f"{len(officers) - 1} officers match" in failing
    assert "Page 2 of" in failing and "show=rule-0" in failing[failing.index('class="pager"'):]
    by_name = client.get(f"{url}?q=O2").get_data(as_text=True)
    assert _rows(by_name) == ["O2"]
    by_badge = client.get(f"{url}?q={county.officers['O3'].badge}").get_data(as_text=True)
    assert _rows(by_badge) == ["O3"]
    in_county = client.get(f"{url}?unit={county.unit.id}&show=not").get_data(as_text=True)
    assert "9 officers match" in in_county and "O1" not in _rows(in_county)
    elsewhere = client.get(f"{url}?unit={org.county_a.id}").get_data(as_text=True)
    assert not {"O1", "O2"} & set(_rows(elsewhere)) and "officers match" in elsewhere
    # Each officer's explanation is on the row: what the rule requires, what the officer has, met or not.
    assert "before the reference date: 4 “Excellent” from 2025-11 to 2026-10 <span" in page
    # Nonsense in the filter is ignored, not a 500.
    for odd in ("?show=rule-99", "?show=x", "?unit=abc", "?unit=999999", "?page=99999999999999999999", "?q=%25_"):
        assert client.get(url + odd).status_code == 200, odd


def test_the_stored_list_changes_when_computed_again_and_never_by_itself(app, client, org, county, history):
    round_ = _round(client, org)
    url = f"/hr/rounds/{round_.id}"
    # O2 wins an appeal: a fourth excellent month. The stored list does not move until HR computes it again.
    o2 = county.officers["O2"]
    month = db.session.scalar(select(MonthResult.id).where(MonthResult.person_id == o2.id,
                                                           MonthResult.final_grade == "competent").limit(1))
    integrity.allow_reopening(db.session)  # the appeal's outcome, written straight into the final month
    db.session.execute(update(MonthResult).where(MonthResult.id == month).values(final_grade="excellent"))
    db.session.commit()
    before = state_counts()
    assert _rows(client.get(f"{url}?show=eligible").get_data(as_text=True)) == ["O1"]
    assert state_counts() == before  # viewing writes nothing
    assert client.post(f"{url}/compute").status_code == 302
    assert _rows(client.get(f"{url}?show=eligible").get_data(as_text=True)) == ["O1", "O2"]


def test_saving_other_rules_computes_the_list_again(client, org, county, history):
    round_ = _round(client, org)
    url = f"/hr/rounds/{round_.id}"
    assert client.post(f"{url}/rules", data={"p-0-at_least": "3"}).status_code == 302
    assert _rows(client.get(f"{url}?show=eligible").get_data(as_text=True)) == ["O1", "O2", "O3"]


def test_publishing_freezes_the_stored_list(client, org, county, history):
    round_ = _round(client, org)
    url = f"/hr/rounds/{round_.id}"
    draft = client.get(url).get_data(as_text=True)
    assert publish(client, url).status_code == 302
    published = client.get(url).get_data(as_text=True)
    assert "frozen" in published and _rows(published) == _rows(draft)
    assert client.post(f"{url}/compute").status_code == 409
    assert _rows(client.get(f"{url}?show=eligible").get_data(as_text=True)) == ["O1"]


def test_publishing_asks_first_says_what_it_freezes_and_needs_the_confirmation(client, org, county, history):
    round_ = _round(client, org)
    url = f"/hr/rounds/{round_.id}"
    draft = client.get(url).get_data(as_text=True)
    assert f'href="{url}/publish">Publish and freeze the list…</a>' in draft
    confirm = client.get(f"{url}/publish")
    text = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and db.session.get(PromotionRound, round_.id).status == "draft"
    assert "Publishing freezes the list of City A as computed on" in text
    assert ": 17 officers, 1 of them eligible." in text and 'name="confirm" value="yes"' in text
    before = state_counts()
    for data in ({}, {"confirm": "no"}):
        response = client.post(f"{url}/publish", data=data)
        assert response.status_code == 422
        assert "Nothing was done yet: read what will happen, then confirm." in response.get_data(as_text=True)
    assert state_counts() == before and db.session.get(PromotionRound, round_.id).status == "draft"
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    assert "公布后名单即锁定" in client.get(f"{url}/publish").get_data(as_text=True)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert publish(client, url).status_code == 302
    assert db.session.get(PromotionRound, round_.id).status == "published"
    assert "This round has already been published." in client.get(f"{url}/publish").get_data(as_text=True)


def test_the_spreadsheet_streams_the_stored_rows(app, client, org, county, history):
    _extra_officers(county, org, 30)
    round_ = _round(client, org)
    with count_queries() as statements:
        response = client.get(f"/hr/rounds/{round_.id}/export.xlsx")
        data = response.get_data()
    assert response.status_code == 200 and response.mimetype.endswith("sheet")
    assert not [s for s in statements if "month_result" in s]
    sheet = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    stored = db.session.execute(select(PromotionCandidate.position, PromotionCandidate.badge)
                                .where(PromotionCandidate.round_id == round_.id)
                                .order_by(PromotionCandidate.position)).all()
    assert rows[0][:3] == ("Place", "Badge number", "Full name")
    assert [(r[0], r[1]) for r in rows[1:]] == [tuple(s) for s in stored]
    assert rows[1][2] == "O1" and rows[1][4] == "yes"
    assert rows[1][5] == ("at least 4 monthly “Excellent” grades in the 12 months before the reference date: "
                          "4 “Excellent” from 2025-11 to 2026-10 ✓")
    # The tie-breakers' values, so that the order among equals can be checked: O1's four excellent months, and no
    # annual score for 2025 (the county's history has months only).
    assert rows[0][6:] == ("Months graded Excellent in the 12 before", "Annual score of the last year")
    assert (list(rows[1]) + [None] * 2)[6:8] == [4, None]  # a sheet's trailing empty cell is not written
    page = client.get(f"/hr/rounds/{round_.id}").get_data(as_text=True)
    assert "Among equals: Months graded Excellent in the 12 before 4；Annual score of the last year —" in page


def test_the_list_is_computed_once_per_officer_of_the_subtree(client, org, county, history):
    round_ = _round(client, org)
    stored = db.session.execute(select(PromotionCandidate.badge, PromotionCandidate.unit_id,
                                       PromotionCandidate.eligible, PromotionCandidate.failed)
                                .where(PromotionCandidate.round_id == round_.id)).all()
    o1, o2 = county.officers["O1"], county.officers["O2"]
    assert (o1.badge, county.unit.id, True, 0) in stored and (o2.badge, county.unit.id, False, 1) in stored
    assert len({badge for badge, *_ in stored}) == len(stored)
    assert db.session.get(PromotionRound, round_.id).computed_at is not None


def test_rounds_published_before_keep_their_list_and_gain_its_unit_and_counts(database_url):
    """Migration 0010 fills in the new columns of a round published under 0008 and changes nothing decided."""
    from sqlalchemy import create_engine, text
    from worklog import migrate
    engine = create_engine(database_url)
    checks = [[{"key": "a", "label": "A", "value": "1", "threshold": "≥ 1", "passed": True},
               {"key": "b", "label": "B", "value": "0", "threshold": "≥ 1", "passed": False}],
              [{"key": "a", "label": "A", "value": "0", "threshold": "≥ 1", "passed": False},
               {"key": "b", "label": "B", "value": "0", "threshold": "≥ 1", "passed": False}],
              [{"key": "a", "label": "A", "value": "1", "threshold": "≥ 1", "passed": True},
               {"key": "b", "label": "B", "value": "1", "threshold": "≥ 1", "passed": True}]]
    try:
        migrate.downgrade(engine, "0008")
        with engine.begin() as c:
            c.execute(text("INSERT INTO unit (id, code, name, level, path, active) VALUES "
                           "(1, 'P', 'Province', 'province', '/1/', TRUE), (2, 'C', 'County', 'county', '/1/2/', TRUE)"))
            c.execute(text("INSERT INTO department (id, unit_id, code, name, active) VALUES (1, 2, 'D', 'Dept', TRUE)"))
            c.execute(text("INSERT INTO sequence (id, code, name) VALUES (1, 'S', 'Seq')"))
            c.execute(text("INSERT INTO post (id, sequence_id, code, name, coefficient, monthly_target_points, active) "
                           "VALUES (1, 1, 'P', 'Post', 1, 400, TRUE)"))
            for pid in (1, 2, 3):
                c.execute(text("INSERT INTO person (id, badge, name, rank, active, must_change_password, created_at) "
                               "VALUES (:i, :b, :n, '', TRUE, FALSE, '2026-01-01 00:00:00')"),
                          {"i": pid, "b": f"B{pid}", "n": f"N{pid}"})
                # Person 3 moved to the county after the reference date: no unit on that day.
                c.execute(text("INSERT INTO assignment (person_id, department_id, post_id, valid_from) "
                               "VALUES (:i, 1, 1, :d)"), {"i": pid, "d": "2026-12-01" if pid == 3 else "2025-01-01"})
            policy = {"rules": [{"key": "a"}, {"key": "b"}]}
            c.execute(text("INSERT INTO promotion_round (id, name, unit_id, reference_date, policy, status, created_at, "
                           "published_at) VALUES (1, 'R', 1, '2026-11-15', :p, 'published', '2026-11-16 00:00:00', "
                           "'2026-11-16 00:00:00')"), {"p": json.dumps(policy)})
            for position, (pid, rows) in enumerate(zip((3, 1, 2), (checks[2], checks[0], checks[1])), start=1):
                c.execute(text("INSERT INTO promotion_candidate (round_id, person_id, position, eligible, badge, name, "
                               "checks) VALUES (1, :i, :pos, :e, :b, :n, :c)"),
                          {"i": pid, "pos": position, "e": position == 1, "b": f"B{pid}", "n": f"N{pid}",
                           "c": json.dumps(rows)})
        migrate.upgrade(engine)
        with engine.connect() as c:
            rows = c.execute(text("SELECT person_id, position, eligible, unit_id, failed, checks FROM promotion_candidate "
                                  "ORDER BY position")).all()
            counts = c.execute(text("SELECT counts, status FROM promotion_round")).one()
    finally:
        engine.dispose()
    assert [(r[0], r[1], bool(r[2]), r[3], r[4]) for r in rows] == [(3, 1, True, None, 0), (1, 2, False, 2, 2),
                                                                     (2, 3, False, 2, 3)]
    assert [json.loads(r[5]) if isinstance(r[5], str) else r[5] for r in rows] == [checks[2], checks[0], checks[1]]
    stored = json.loads(counts[0]) if isinstance(counts[0], str) else counts[0]
    assert stored == {"total": 3, "eligible": 1, "failing": [1, 2]} and counts[1] == "published"


def test_a_list_being_computed_or_failed_cannot_be_published(client, org, county, history):
    from models import BackgroundJob, JobStatus
    from worklog.annual import rounds
    round_ = _round(client, org)
    url = f"/hr/rounds/{round_.id}"
    # HR asks again, and no worker has taken the job yet (a queue, not inline).
    job = rounds.compute_again(db.session.get(PromotionRound, round_.id), org["hr_a"])
    db.session.commit()
    page = client.get(url).get_data(as_text=True)
    assert "The list is being computed." in page and f"/jobs/{job.id}" in page
    assert f'href="{url}/publish"' not in page and _rows(page)[0] == "O1"  # the last list stays shown
    assert "The list is being computed: it can be published once it is judged by the round" in page
    assert client.post(f"{url}/publish", data={"confirm": "yes"}).status_code == 422
    db.session.execute(update(BackgroundJob).where(BackgroundJob.id == job.id)
                       .values(status=JobStatus.failed.value, error="CA: something broke"))
    db.session.commit()
    page = client.get(url).get_data(as_text=True)
    assert "The last computation of the list failed: CA: something broke" in page
    assert client.post(f"{url}/publish", data={"confirm": "yes"}).status_code == 422
    assert client.post(f"{url}/compute").status_code == 302  # inline: done at once
    assert publish(client, url).status_code == 302
    assert db.session.get(PromotionRound, round_.id).status == "published"


def test_only_hr_over_the_round_computes_or_reads_it(client, new_client, org, county, history):
    round_ = _round(client, org)
    before = state_counts()
    for who in ("admin_b", "officer_a", "panel_a"):
        other = new_client()
        sign_in(other, org[who].badge)
        for path in ("", "?print=1", "/export.xlsx"):
            assert other.get(f"/hr/rounds/{round_.id}{path}").status_code == 404, (who, path)
        assert other.post(f"/hr/rounds/{round_.id}/compute").status_code == 404, who
    assert state_counts() == before


def test_the_list_judged_a_few_officers_at_a_time_is_the_list_judged_at_once(monkeypatch, client, org, county,
                                                                              history):
    from worklog.annual import rounds
    monkeypatch.setattr(rounds, "JUDGE_CHUNK", 3)
    monkeypatch.setattr(rounds, "INSERT_CHUNK", 4)
    round_ = _round(client, org)
    round_ = db.session.get(PromotionRound, round_.id)
    policy = dict(round_.policy, tie_breakers=round_.policy["tie_breakers"] + [{"kind": "service_years"}])
    assert client.post(f"/hr/rounds/{round_.id}/policy", data=policy_data(policy)).status_code == 302
    db.session.expire_all()
    at_once = [(p.id, e.eligible, [c.value for c in e.checks])
               for p, e in rounds.judge(policy, org.city_a, round_.reference_date)]
    stored = db.session.execute(select(PromotionCandidate.person_id, PromotionCandidate.eligible,
                                       PromotionCandidate.checks).where(PromotionCandidate.round_id == round_.id)
                                .order_by(PromotionCandidate.position)).all()
    assert [(pid, eligible, [c["value"] for c in checks]) for pid, eligible, checks in stored] == at_once
    assert db.session.get(PromotionRound, round_.id).counts == {
        "total": len(at_once), "eligible": sum(1 for _p, e, _c in at_once if e),
        "failing": [sum(1 for _p, e, _c in at_once if not e)]}


def test_the_rounds_job_page_says_how_many_officers_were_judged(client, new_client, org, county, history):
    round_ = _round(client, org)
    job = db.session.get(PromotionRound, round_.id).job
    assert (job.kind, job.status, job.unit_id) == ("round_judge", "done", org.city_a.id)
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    total = db.session.get(PromotionRound, round_.id).counts["total"]
    assert "Promotion round list" in page and f"{total} officers" in page and f"/hr/rounds/{round_.id}" in page
    other = new_client()
    sign_in(other, org["admin_b"].badge)
    assert other.get(f"/jobs/{job.id}").status_code == 404
