"""Each notification an action sends arrives once, by mail through a real SMTP server, in its reader's language,
from the pages that act: a week signed, a month's and a year's results published, an appeal decided (month and
year), a promotion round published to the officers on its list."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from models import Appeal, MonthReview, Notification, PromotionCandidate, PromotionRound, YearAppeal, YearReview
from tests.annual.conftest import history  # noqa: F401  (twelve final months of the county)
from tests.annual.publishing import publish
from tests.annual.test_hr import _round, _year
from tests.factories import PASSWORD, sign_in
from tests.monthly.conftest import county  # noqa: F401  (the county of ten)
from tests.monthly.test_month import _close_october, _url
from tests.notifications.conftest import choose, outbox
from tests.weekly.conftest import MONDAY, week  # noqa: F401  (officer A's week)
from worklog.extensions import db

pytestmark = pytest.mark.postgres


def _send_twice(runner) -> None:
    """The outbox sent, and sent again: the second run must find nothing left."""
    first = runner.invoke(args=["mail", "send"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(args=["mail", "send"])
    assert second.exit_code == 0 and "0 mail(s) sent" in second.output, second.output


def _told(kind: str) -> list[int]:
    db.session.expire_all()
    return sorted(db.session.scalars(select(Notification.person_id).where(Notification.kind == kind)))


def test_a_signed_week_tells_its_officer(client, runner, org, week, smtp):
    choose(org["officer_a"], ["week_signed"], language="zh_CN")
    sign_in(client, org["supervisor_a"].badge)
    client.post(f"/review/{org['officer_a'].id}/{MONDAY.isoformat()}/approve-all")
    assert client.post(f"/review/{org['officer_a'].id}/{MONDAY.isoformat()}/sign",
                       data={"password": PASSWORD}).status_code == 302
    assert _told("week_signed") == [org["officer_a"].id]
    _send_twice(runner)
    [mail] = smtp.to("200002@example.invalid")
    assert mail["Subject"] == "2026-11-16起的一周工作已签署"
    body = mail.get_content()
    assert "Supervisor A已签署您2026-11-16起的一周工作：审核通过10条记录" in body
    assert "https://worklog.example.invalid/day/2026-11-16" in body


def test_a_months_results_and_its_appeal_decision(app, client, runner, org, county, smtp):
    o1, o3 = county.officers["O1"], county.officers["O3"]
    choose(o1, ["results_published", "appeal_decided"], language="en")
    choose(o3, ["results_published", "appeal_decided"], language="zh_CN")
    _close_october(client, org, county)
    assert client.post(_url(county, "/publish"), data={"confirm": "yes"}).status_code == 302
    review = db.session.scalar(select(MonthReview).where(MonthReview.unit_id == county.unit.id))
    # Every officer of the month is told in the app; those who chose it, by mail too.
    assert _told("results_published") == sorted(p.id for p in county.officers.values())
    assert sorted(m.address for m in outbox()) == sorted([o1.email, o3.email])

    client.post("/sign-out")
    sign_in(client, o3.badge)
    assert client.post(f"/my/months/{review.id}", data={"reason": "A commendation was not recorded"}).status_code == 302
    appeal = db.session.scalar(select(Appeal))
    client.post("/sign-out")
    sign_in(client, org["panel_a"].badge)
    assert client.post(f"/month/appeals/{appeal.id}/decide", data={
        "outcome": "reject", "decision": "The commendation came in November"}).status_code == 302
    assert _told("appeal_decided") == [o3.id]

    _send_twice(runner)
    assert smtp.subjects(o1.email) == ["Results of 2026-10 published"]
    assert smtp.subjects(o3.email) == ["2026-10考核结果已公示", "申诉已决定：2026-10考核结果"]
    published = smtp.to(o1.email)[0].get_content()
    assert "The results of 2026-10 at County A2 are published" in published
    assert f"https://worklog.example.invalid/my/months/{review.id}" in published
    decided = smtp.to(o3.email)[1].get_content()
    assert "您对2026-10考核结果的申诉被驳回：The commendation came in November" in decided


def test_a_years_results_and_its_appeal_decision(app, client, runner, org, county, history, smtp):
    o5 = county.officers["O5"]
    choose(o5, ["results_published", "appeal_decided"])
    _year(app, client, org, county, finalise=False)
    review = db.session.scalar(select(YearReview))
    client.post("/sign-out")
    sign_in(client, o5.badge)
    assert client.post(f"/my/years/{review.id}", data={"reason": "A commendation is missing"}).status_code == 302
    appeal = db.session.scalar(select(YearAppeal))
    client.post("/sign-out")
    sign_in(client, org["panel_a"].badge)
    assert client.post(f"/year/appeals/{appeal.id}/decide", data={
        "outcome": "uphold", "decision": "Commendation confirmed", "correction": "10"}).status_code == 302
    assert _told("results_published") == sorted(p.id for p in county.officers.values())
    assert _told("appeal_decided") == [o5.id]
    _send_twice(runner)
    assert smtp.subjects(o5.email) == ["Results of 2026 published", "Appeal decided: results of 2026"]
    decided = smtp.to(o5.email)[1].get_content()
    assert "Your appeal against the results of 2026 was upheld: Commendation confirmed" in decided
    assert f"https://worklog.example.invalid/my/years/{review.id}" in decided


def test_a_published_round_tells_the_officers_on_its_list(client, runner, org, county, history, smtp):
    o1, o2 = county.officers["O1"], county.officers["O2"]
    for officer in (o1, o2):
        choose(officer, ["round_published"])
    round_ = _round(client, org, county)
    assert publish(client, f"/hr/rounds/{round_.id}").status_code == 302
    eligible = sorted(db.session.scalars(select(PromotionCandidate.person_id).where(
        PromotionCandidate.eligible.is_(True))))
    assert o1.id in eligible and o2.id not in eligible  # four excellent months against three
    assert _told("round_published") == eligible
    _send_twice(runner)
    name = db.session.get(PromotionRound, round_.id).name
    assert smtp.subjects(o1.email) == [f"On the published list of “{name}”"]
    assert smtp.to(o2.email) == []
    assert "https://worklog.example.invalid/my/eligibility" in smtp.to(o1.email)[0].get_content()
