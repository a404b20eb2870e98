"""A pause before what cannot be undone: publishing and finalising a month ask first, and say what will happen
and to whom; what is not allowed yet is shown so, with the day it becomes possible; a month still under way
cannot be opened, computed or published."""
from __future__ import annotations

import html
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from models import Appeal, MonthReview, MonthStatus
from tests.factories import sign_in, state_counts
from tests.monthly.test_month import _close_october, _url
from worklog.extensions import db

pytestmark = pytest.mark.postgres

NOVEMBER_PAGE = "/month/{unit}/2026-11"


def _november(county, suffix=""):
    return NOVEMBER_PAGE.format(unit=county.unit.id) + suffix


def _status(county) -> str | None:
    db.session.expire_all()
    return db.session.scalar(select(MonthReview.status).where(MonthReview.unit_id == county.unit.id,
                                                               MonthReview.month == date(2026, 10, 1)))


# --- A month under way ------------------------------------------------------------------------------------


def test_a_month_under_way_is_not_opened_and_the_page_says_from_when(client, org, county):
    """The catalog fixture pins the day to 25 November 2026."""
    sign_in(client, org["panel_a"].badge)
    page = client.get(_november(county)).get_data(as_text=True)
    assert "2026-11 is not over yet: it can be opened for grading from Dec 1, 2026." in page
    assert '<button type="button" disabled aria-describedby="why-not-open">Open the month</button>' in page
    before = state_counts()
    response = client.post(_november(county, "/open"), follow_redirects=True)
    assert "2026-11 is not over yet: it can be opened for grading from Dec 1, 2026. Nothing was changed." in \
        response.get_data(as_text=True)
    assert state_counts() == before
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    text = client.post(_november(county, "/open"), follow_redirects=True).get_data(as_text=True)
    assert "2026-11 尚未结束，自2026年12月1日起方可开启考核。未作任何更改。" in text
    assert state_counts() == before


def test_a_month_opened_while_under_way_is_neither_computed_nor_published(client, org, county):
    """A review left from before the rule (or written by hand) is not computed or published early either."""
    db.session.add(MonthReview(unit_id=county.unit.id, month=date(2026, 11, 1),
                               status=MonthStatus.computed.value, reopened=0))
    db.session.commit()
    sign_in(client, org["panel_a"].badge)
    page = client.get(_november(county)).get_data(as_text=True)
    assert 'aria-describedby="why-not-compute">Compute scores and grades</button>' in page
    assert _november(county, "/publish") not in page
    before = state_counts()
    for act in ("/compute", "/publish"):
        text = client.post(_november(county, act), data={"confirm": "yes"}, follow_redirects=True) \
            .get_data(as_text=True)
        assert "2026-11 is not over yet" in text, act
    assert state_counts() == before


def test_the_month_can_be_opened_from_its_first_day_after(app, client, org, county):
    app.config["FIXED_NOW"] = datetime(2026, 11, 30, 16, 0, tzinfo=timezone.utc)  # 1 December, 00:00 Beijing
    sign_in(client, org["panel_a"].badge)
    assert "why-not-open" not in client.get(_november(county)).get_data(as_text=True)
    assert client.post(_november(county, "/open")).status_code == 302
    november = db.session.scalar(select(MonthReview).where(MonthReview.month == date(2026, 11, 1)))
    assert november.status == "open"


# --- Publishing and finalising ask first -------------------------------------------------------------------


def test_publishing_asks_first_and_says_what_will_happen_to_whom(client, org, county):
    _close_october(client, org, county)
    page = client.get(_url(county)).get_data(as_text=True)
    assert f'href="{_url(county, "/publish")}">Publish…</a>' in page
    confirm = client.get(_url(county, "/publish"))
    text = html.unescape(confirm.get_data(as_text=True))
    assert confirm.status_code == 200 and _status(county) == "computed"  # a look changes nothing
    assert ("Once published, the 10 officers assessed by County A2 will see their monthly scores and grades, "
            "and the unit's list; appeals may be filed for 3 working days, until Nov 30, 2026.") in text
    assert "The month can be finalised from Dec 1, 2026" in text
    assert 'name="confirm" value="yes"' in text

    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    text = client.get(_url(county, "/publish")).get_data(as_text=True)
    assert "公示后，County A2 考核的 10 名民警将看到各自的月度得分与等次及本单位名单，申诉期 3 个工作日，至2026年11月30日。" \
        in text
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


def test_the_server_refuses_to_publish_without_the_confirmation(client, org, county):
    _close_october(client, org, county)
    before = state_counts()
    for data in ({}, {"confirm": ""}, {"confirm": "no"}):
        response = client.post(_url(county, "/publish"), data=data)
        assert response.status_code == 422, data
        assert "Nothing was done yet: read what will happen, then confirm." in response.get_data(as_text=True)
    assert state_counts() == before and _status(county) == "computed"
    assert client.post(_url(county, "/publish"), data={"confirm": "yes"}).status_code == 302
    assert _status(county) == "published"


def test_finalising_is_not_yet_allowed_during_the_appeal_window_and_says_from_when(app, client, org, county):
    _close_october(client, org, county)
    client.post(_url(county, "/publish"), data={"confirm": "yes"})  # 25 November: appeals until 30 November
    page = client.get(_url(county)).get_data(as_text=True)
    reason = "Publication and appeals run until Nov 30, 2026: the month can be finalised from Dec 1, 2026."
    assert reason in page
    assert ('<button type="button" disabled aria-describedby="why-not-finalise">Finalise and seal</button>'
            in page)
    assert f'href="{_url(county, "/finalise")}"' not in page
    confirm = client.get(_url(county, "/finalise")).get_data(as_text=True)
    assert reason in confirm and 'name="confirm"' not in confirm
    before = state_counts()
    assert reason in client.post(_url(county, "/finalise"), data={"confirm": "yes"},
                                 follow_redirects=True).get_data(as_text=True)
    assert state_counts() == before and _status(county) == "published"
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    assert "公示及申诉期至2026年11月30日，自2026年12月1日起可定稿。" in client.get(_url(county)).get_data(as_text=True)


def test_a_pending_appeal_holds_finalising_and_the_page_says_so(app, client, org, county):
    _close_october(client, org, county)
    client.post(_url(county, "/publish"), data={"confirm": "yes"})
    review = db.session.scalar(select(MonthReview).where(MonthReview.unit_id == county.unit.id))
    db.session.add(Appeal(month_review_id=review.id, person_id=county.officers["O3"].id, reason="x",
                          status="pending"))
    db.session.commit()
    app.config["FIXED_NOW"] = datetime(2026, 12, 2, 2, 0, tzinfo=timezone.utc)
    page = client.get(_url(county)).get_data(as_text=True)
    assert "1 appeal still waits for a decision: decide it before finalising." in page
    assert client.post(_url(county, "/finalise"), data={"confirm": "yes"}).status_code == 302
    assert _status(county) == "published"


def test_finalising_asks_first_and_the_server_refuses_it_without_the_confirmation(app, client, org, county):
    _close_october(client, org, county)
    client.post(_url(county, "/publish"), data={"confirm": "yes"})
    app.config["FIXED_NOW"] = datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc)
    page = client.get(_url(county)).get_data(as_text=True)
    assert f'href="{_url(county, "/finalise")}">Finalise and seal…</a>' in page
    text = client.get(_url(county, "/finalise")).get_data(as_text=True)
    assert ("Finalising seals 2026-10 for County A2: the scores and grades of its 10 officers become final "
            "and go into the ledgers and the annual review.") in text
    before = state_counts()
    assert client.post(_url(county, "/finalise")).status_code == 422
    assert state_counts() == before and _status(county) == "published"
    assert client.post(_url(county, "/finalise"), data={"confirm": "yes"}).status_code == 302
    assert _status(county) == "final"


# --- The unit's published list ------------------------------------------------------------------------------


def test_the_published_list_names_each_sequence_its_places_restart_in(client, org, county):
    _close_october(client, org, county)
    client.post(_url(county, "/publish"), data={"confirm": "yes"})
    review = db.session.scalar(select(MonthReview).where(MonthReview.unit_id == county.unit.id))
    client.post("/sign-out")
    sign_in(client, county.officers["O3"].badge)
    page = client.get(f"/my/months/{review.id}").get_data(as_text=True)
    # Places are counted within a sequence (unlike work is not compared): each sequence is headed by its name,
    # and each place says of how many.
    heading = '<th colspan="4" scope="rowgroup">Police stations <small class="muted">10 officers</small></th>'
    assert heading in page
    assert '<td class="num">3 / 10</td><td>O3</td>' in page
