"""Draws: reproducible from the seed, nobody called twice within the no-repeat period, one per unit, kind and
month."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update

from models import AuditEvent, EvaluationStatus, RuleSet, SurveyCall, SurveyContact, SurveyDraw, UnitEvaluationRun
from tests.factories import row_counts, sign_in
from tests.survey.conftest import NOW, add_contacts, numbers
from worklog.extensions import db
from worklog.rules import sampling
from worklog.survey import services

pytestmark = pytest.mark.postgres

AUGUST = date(2026, 8, 1)  # the last month over by the pinned clock


def _draw(client, unit, kind="report_110", month="2026-08", sample_size=None):
    data = {"unit": unit.id, "kind": kind, "month": month}
    if sample_size is not None:
        data["sample_size"] = sample_size
    return client.post("/survey/draws", data=data)


def _drawn_contacts(draw_id: int) -> list[int]:
    return list(db.session.scalars(select(SurveyCall.contact_id).where(SurveyCall.draw_id == draw_id)
                                   .order_by(SurveyCall.position)))


def test_sample_size_defaults_to_the_rule_set(client, staff):
    add_contacts(staff.county_a, "report_110", date(2026, 8, 3), numbers(40))
    add_contacts(staff.county_a, "report_119", date(2026, 8, 3), numbers(40, 100))
    sign_in(client, staff["survey_a"].badge)
    page = client.get("/survey/draws").get_data(as_text=True)
    assert 'name="sample_size" type="text" value="30"' in page or 'value="30"' in page
    response = _draw(client, staff.county_a)
    assert response.status_code == 302
    draw = db.session.scalar(select(SurveyDraw))
    assert draw.sample_size == 30 and len(_drawn_contacts(draw.id)) == 30
    assert draw.candidates == 40 and draw.eligible == 40 and draw.no_repeat_days == 180
    assert response.headers["Location"].endswith(f"/survey/draws/{draw.id}")
    # A new rule version changes the default.
    db.session.add(RuleSet(valid_from=date(2026, 9, 1), values={"survey_sample_size": 7}))
    db.session.commit()
    assert _draw(client, staff.county_a, kind="report_119").status_code == 302
    second = db.session.scalar(select(SurveyDraw).where(SurveyDraw.kind == "report_119"))
    assert second.sample_size == 7 and len(_drawn_contacts(second.id)) == 7
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "survey.drawn",
                                                       AuditEvent.object_id == second.id))
    assert event.after["seed"] == second.seed and event.after["drawn"] == 7


def test_draw_is_reproduced_from_its_seed_and_tampering_shows(client, staff):
    contacts = add_contacts(staff.county_a, "report_110", date(2026, 8, 3), numbers(25))
    add_contacts(staff.county_a, "report_110", date(2026, 7, 31), numbers(5, 50))   # another month
    add_contacts(staff.county_b, "report_110", date(2026, 8, 3), numbers(5, 60))    # another unit
    sign_in(client, staff["survey_a"].badge)
    assert _draw(client, staff.county_a, sample_size=10).status_code == 302
    draw = db.session.scalar(select(SurveyDraw))
    assert 0 <= draw.seed < 2 ** 62 and draw.candidates == 25
    drawn = _drawn_contacts(draw.id)
    assert set(drawn) <= {c.id for c in contacts} and len(drawn) == 10
    # Anybody can redo it with the seed from the month's contacts.
    assert sampling.draw([(c.id, c.phone_hash) for c in contacts], 10, draw.seed) == drawn
    assert services.reproduce(draw) is True
    # Contacts imported after the draw do not change its reproduction.
    later = NOW + timedelta(hours=1)
    client.application.config["FIXED_NOW"] = later
    add_contacts(staff.county_a, "report_110", date(2026, 8, 4), numbers(10, 200))
    assert services.reproduce(draw) is True
    page = client.get(f"/survey/draws/{draw.id}").get_data(as_text=True)
    assert '<dd class="reproduced">yes</dd>' in page
    # Swap a drawn person for one who was not drawn: the draw no longer matches its seed.
    outsider = next(c.id for c in contacts if c.id not in drawn)
    db.session.execute(update(SurveyCall).where(SurveyCall.draw_id == draw.id, SurveyCall.position == 3)
                       .values(contact_id=outsider))
    db.session.commit()
    assert services.reproduce(db.session.get(SurveyDraw, draw.id)) is False
    page = client.get(f"/survey/draws/{draw.id}").get_data(as_text=True)
    assert '<dd class="reproduced">no</dd>' in page


def test_nobody_is_drawn_twice_within_the_no_repeat_period(client, staff, app):
    repeat = "13900000001"
    july = add_contacts(staff.county_a, "report_110", date(2026, 7, 20), [repeat])
    sign_in(client, staff["survey_a"].badge)
    assert _draw(client, staff.county_a, month="2026-07").status_code == 302
    assert _drawn_contacts(db.session.scalar(select(SurveyDraw.id))) == [july[0].id]
    # The same phone at a window in August, in a draw of another kind and month: never drawn, even
    # though the July call has not been made.
    august = add_contacts(staff.county_a, "window_household", date(2026, 8, 2), [repeat] + numbers(4))
    assert _draw(client, staff.county_a, kind="window_household", sample_size=10).status_code == 302
    draw = db.session.scalar(select(SurveyDraw).where(SurveyDraw.kind == "window_household"))
    drawn = _drawn_contacts(draw.id)
    assert august[0].id not in drawn and sorted(drawn) == sorted(c.id for c in august[1:])
    assert draw.candidates == 5 and draw.eligible == 4
    assert services.reproduce(draw) is True
    # 180 days after the July draw the phone is still kept out; 181 days after, it may be drawn again.
    later = add_contacts(staff.county_a, "window_traffic", date(2026, 8, 2), [repeat])
    app.config["FIXED_NOW"] = NOW + timedelta(days=180)
    assert _draw(client, staff.county_a, kind="window_traffic", sample_size=10).status_code == 422
    assert db.session.scalar(select(func.count()).select_from(SurveyDraw)) == 2
    app.config["FIXED_NOW"] = NOW + timedelta(days=181)
    assert _draw(client, staff.county_a, kind="window_traffic", sample_size=10).status_code == 302
    draw = db.session.scalar(select(SurveyDraw).where(SurveyDraw.kind == "window_traffic"))
    assert _drawn_contacts(draw.id) == [later[0].id]
    # Each earlier draw still reproduces as it was.
    for d in db.session.scalars(select(SurveyDraw)):
        assert services.reproduce(d) is True


def test_a_second_draw_for_the_month_is_refused(client, staff):
    add_contacts(staff.county_a, "report_110", date(2026, 8, 3), numbers(5))
    sign_in(client, staff["survey_a"].badge)
    assert _draw(client, staff.county_a).status_code == 302
    before = row_counts()
    response = _draw(client, staff.county_a, sample_size=3)
    assert response.status_code == 422
    assert "already been drawn for this month" in response.get_data(as_text=True)
    assert row_counts() == before


def test_a_draw_racing_another_answers_409(client, staff, monkeypatch):
    add_contacts(staff.county_a, "report_110", date(2026, 8, 3), numbers(5))
    sign_in(client, staff["survey_a"].badge)
    assert _draw(client, staff.county_a, sample_size=2).status_code == 302
    before = row_counts()
    # As if the other draw had been saved after this request looked: the unique constraint answers.
    monkeypatch.setattr(services, "existing_draw", lambda *args: None)
    response = _draw(client, staff.county_a)
    assert response.status_code == 409 and "at the same time" in response.get_data(as_text=True)
    assert row_counts() == before


def test_refused_draws(client, staff):
    add_contacts(staff.county_a, "report_110", date(2026, 8, 3), numbers(5))
    add_contacts(staff.county_b, "report_110", date(2026, 8, 3), numbers(5, 10))
    sign_in(client, staff["survey_a"].badge)
    before = row_counts()
    assert _draw(client, staff.county_a, month="2026-10").status_code == 422          # not begun
    assert _draw(client, staff.county_a, sample_size=0).status_code == 422
    assert _draw(client, staff.county_a, sample_size=1001).status_code == 422
    assert _draw(client, staff.county_b).status_code == 422                           # not theirs
    response = _draw(client, staff.county_a, kind="report_119")
    assert response.status_code == 422 and "no contacts of this kind" in response.get_data(as_text=True)
    assert "The month has not begun yet." in _draw(client, staff.county_a, month="2026-10").get_data(as_text=True)
    assert row_counts() == before


def test_a_month_is_drawn_once_it_is_over(client, staff, app):
    """One draw per unit, kind and month: drawn before the month ends, its later contacts could never be."""
    early = add_contacts(staff.county_a, "report_110", date(2026, 9, 3), numbers(5))
    sign_in(client, staff["survey_a"].badge)
    before = row_counts()
    response = _draw(client, staff.county_a, month="2026-09")
    assert response.status_code == 422
    assert "The month is not over yet: its contacts can be drawn from the 1st of next month." in \
        response.get_data(as_text=True)
    assert row_counts() == before
    # The form offers the last month over.
    assert 'value="2026-08"' in client.get("/survey/draws").get_data(as_text=True)
    # On 1 October, September's contacts, all of them, are drawn.
    late = add_contacts(staff.county_a, "report_110", date(2026, 9, 30), numbers(5, 50))
    app.config["FIXED_NOW"] = NOW + timedelta(days=2)
    assert _draw(client, staff.county_a, month="2026-09", sample_size=10).status_code == 302
    draw = db.session.scalar(select(SurveyDraw))
    assert sorted(_drawn_contacts(draw.id)) == sorted(c.id for c in early + late)


def test_draws_list_shows_progress_in_scope(client, staff):
    add_contacts(staff.county_a, "report_110", date(2026, 8, 3), numbers(4))
    add_contacts(staff.county_b, "report_110", date(2026, 8, 3), numbers(4, 10))
    sign_in(client, staff["survey"].badge)
    assert _draw(client, staff.county_a).status_code == 302
    assert _draw(client, staff.county_b).status_code == 302
    a = db.session.scalar(select(SurveyDraw).where(SurveyDraw.unit_id == staff.county_a.id))
    client.post("/sign-out")
    sign_in(client, staff["survey_a"].badge)
    page = client.get("/survey/draws").get_data(as_text=True)
    assert "County A1" in page and "County B1" not in page and "0 of 4" in page
    b = db.session.scalar(select(SurveyDraw).where(SurveyDraw.unit_id == staff.county_b.id))
    assert client.get(f"/survey/draws/{b.id}").status_code == 404
    assert client.get(f"/survey/draws/{a.id}").status_code == 200
    assert db.session.scalar(select(func.count()).select_from(SurveyContact)) == 8


def test_a_person_called_recently_stays_out_though_drawn_long_ago(client, staff, app):
    """The no-repeat period counts from the call: drawn 200 days ago but called 10 days ago, kept out."""
    repeat = "13900000002"
    february = add_contacts(staff.county_a, "complaint", date(2026, 2, 10), [repeat])
    sign_in(client, staff["survey_a"].badge)
    app.config["FIXED_NOW"] = NOW - timedelta(days=200)
    assert _draw(client, staff.county_a, kind="complaint", month="2026-02").status_code == 302
    call = db.session.scalar(select(SurveyCall).where(SurveyCall.contact_id == february[0].id))
    app.config["FIXED_NOW"] = NOW - timedelta(days=10)
    assert client.post(f"/survey/calls/{call.id}", data={"outcome": "basic", "version": call.version}
                       ).status_code == 302
    app.config["FIXED_NOW"] = NOW
    august = add_contacts(staff.county_a, "petition", date(2026, 8, 5), [repeat] + numbers(3))
    assert _draw(client, staff.county_a, kind="petition", sample_size=10).status_code == 302
    draw = db.session.scalar(select(SurveyDraw).where(SurveyDraw.kind == "petition"))
    assert sorted(_drawn_contacts(draw.id)) == sorted(c.id for c in august[1:])
    assert (draw.candidates, draw.eligible) == (4, 3)
    assert services.reproduce(draw) is True
    # Alone among the contacts, nobody can be drawn.
    add_contacts(staff.county_a, "online", date(2026, 8, 5), [repeat])
    response = _draw(client, staff.county_a, kind="online")
    assert response.status_code == 422 and "nobody can be drawn" in response.get_data(as_text=True)


def test_a_draw_is_reproduced_as_the_calls_stood_when_it_was_made(client, staff, app):
    """A call made after a draw does not change what that draw saw: it counted from its own draw then."""
    repeat = "13900000003"
    february = add_contacts(staff.county_a, "complaint", date(2026, 2, 10), [repeat])
    sign_in(client, staff["survey_a"].badge)
    app.config["FIXED_NOW"] = NOW - timedelta(days=200)
    assert _draw(client, staff.county_a, kind="complaint", month="2026-02").status_code == 302
    # 195 days after that draw, the February call not made yet: the phone may be drawn in July.
    july = add_contacts(staff.county_a, "petition", date(2026, 7, 6), [repeat] + numbers(3))
    app.config["FIXED_NOW"] = NOW - timedelta(days=5)
    assert _draw(client, staff.county_a, kind="petition", month="2026-07", sample_size=10).status_code == 302
    july_draw = db.session.scalar(select(SurveyDraw).where(SurveyDraw.kind == "petition"))
    assert july[0].id in _drawn_contacts(july_draw.id)
    # The February call is made afterwards: the July draw still reproduces.
    call = db.session.scalar(select(SurveyCall).where(SurveyCall.contact_id == february[0].id))
    app.config["FIXED_NOW"] = NOW - timedelta(days=2)
    assert client.post(f"/survey/calls/{call.id}", data={"outcome": "refused", "version": call.version}
                       ).status_code == 302
    app.config["FIXED_NOW"] = NOW
    assert services.reproduce(db.session.get(SurveyDraw, july_draw.id)) is True
    assert services.recent_hashes(NOW, 180) >= {february[0].phone_hash}


def test_a_sealed_month_takes_no_draw(client, staff):
    add_contacts(staff.county_a, "report_110", date(2026, 8, 3), numbers(5))
    db.session.add(UnitEvaluationRun(period=AUGUST, annual=False, status=EvaluationStatus.final.value, rules={}))
    db.session.commit()
    sign_in(client, staff["survey_a"].badge)
    before = row_counts()
    response = _draw(client, staff.county_a)
    assert response.status_code == 409
    assert "evaluation counting this month is final: no draw can be made" in response.get_data(as_text=True)
    assert row_counts() == before
    # A year's final evaluation seals its months too; a recorded one does not.
    db.session.execute(UnitEvaluationRun.__table__.update().values(period=date(2026, 1, 1), annual=True))
    db.session.commit()
    assert _draw(client, staff.county_a).status_code == 409
    db.session.execute(UnitEvaluationRun.__table__.update().values(status=EvaluationStatus.recorded.value))
    db.session.commit()
    assert _draw(client, staff.county_a).status_code == 302


def test_a_draw_that_can_no_longer_be_checked_says_so(client, staff, app):
    app.config["FIXED_NOW"] = NOW - timedelta(days=300)
    contacts = add_contacts(staff.county_a, "report_110", date(2025, 9, 20), numbers(3))
    sign_in(client, staff["survey_a"].badge)
    assert _draw(client, staff.county_a, month="2025-09", sample_size=1).status_code == 302
    draw = db.session.scalar(select(SurveyDraw))
    app.config["FIXED_NOW"] = NOW
    assert services.reproduce(draw) is True
    # A year on, the contacts are erased, hashes and all (the one drawn 300 days ago was never called).
    services.erase_expired(date(2026, 9, 29))
    db.session.commit()
    assert all(db.session.get(SurveyContact, c.id).phone_hash is None for c in contacts)
    assert services.reproduce(db.session.get(SurveyDraw, draw.id)) is None
    page = client.get(f"/survey/draws/{draw.id}").get_data(as_text=True)
    assert ('<dd class="reproduced">cannot be checked: contacts erased at the end of the retention period</dd>'
            in page)


def test_huge_page_numbers_and_unit_ids_give_a_page(client, staff, drawn):
    huge = "99999999999999999999"
    for path in ("/survey/", "/survey/contacts", "/survey/draws", "/survey/follow-ups"):
        assert client.get(f"{path}?page={huge}").status_code == 200, path
    response = client.get(f"/survey/contacts?unit={huge}")
    assert response.status_code == 200 and "****4321" in response.get_data(as_text=True)  # no filter
    assert client.get(f"/survey/contacts?unit=-{huge}&page=-{huge}").status_code == 200
    assert client.post("/survey/draws", data={"unit": huge, "kind": "complaint", "month": "2026-08"}
                       ).status_code == 422


def test_two_draws_at_once_never_pick_the_same_phone(app, staff):
    """County A and county B both have contacts from the same five phones; their draws run at the same
    instant, each from its own connection. Drawn one after the other, the second finds nobody eligible or
    only phones the first left: never a phone in both."""
    from models import Person, Unit
    from tests.weekly.test_concurrency import run_together
    add_contacts(staff.county_a, "report_110", date(2026, 8, 3), numbers(5))
    add_contacts(staff.county_b, "report_110", date(2026, 8, 4), numbers(5))
    actor_id, a_id, b_id = staff["survey"].id, staff.county_a.id, staff.county_b.id

    def draw(unit_id):
        return lambda: services.make_draw(db.session.get(Unit, unit_id), "report_110", date(2026, 8, 1), 5,
                                          db.session.get(Person, actor_id)).id

    results = run_together(app, draw(a_id), draw(b_id))
    assert any(isinstance(r, int) for r in results), results
    db.session.expire_all()
    hashes = list(db.session.scalars(select(SurveyContact.phone_hash).join(
        SurveyCall, SurveyCall.contact_id == SurveyContact.id)))
    assert hashes and len(hashes) == len(set(hashes))
