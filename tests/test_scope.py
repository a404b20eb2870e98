"""Scope everywhere (issue 11, finding 5): every object a form names is checked against the actor's scope, and a
badge outside it is answered exactly as a badge that does not exist (no name, no different message)."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, select

from models import Delegation, MonthAdjustment, VetoEvent, YearAdjustment
from tests.auth_helpers import browser, field_errors, flashes, page
from tests.factories import sign_in
from worklog.extensions import db

NOWHERE = "999999"


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _text(response) -> str:
    return page(response).get_text(" ", strip=True)


# --- The panel's annual adjustment ------------------------------------------------------------------------------------


@pytest.fixture
def year_url(app, org):
    client = browser(app)
    assert sign_in(client, org["panel_a"].badge).status_code == 302
    url = f"/year/{org.county_a.id}/2026"
    assert client.post(f"{url}/open").status_code == 302
    client.get(url)  # its flash read
    return client, url


def _adjust_year(client, url, badge):
    response = client.post(f"{url}/adjustments", data={"person": badge, "points": "3", "reason": "Commended"},
                           follow_redirects=True)
    assert response.status_code == 200
    return response


@pytest.mark.parametrize("who", ["officer_b", "admin_b"])
def test_an_annual_adjustment_refuses_a_badge_of_another_unit_as_if_it_did_not_exist(org, year_url, who):
    client, url = year_url
    outsider = org[who]
    missing = flashes(_adjust_year(client, url, NOWHERE))
    response = _adjust_year(client, url, outsider.badge)
    assert _count(YearAdjustment) == 0
    # The same answer as for a badge nobody holds, and the person's name nowhere.
    assert flashes(response) == [m.replace(NOWHERE, outsider.badge) for m in missing]
    assert outsider.name not in _text(response)
    assert outsider.name not in _text(client.get(url))


def test_an_annual_adjustment_of_someone_the_unit_assesses_is_recorded(org, year_url):
    client, url = year_url
    response = _adjust_year(client, url, org["officer_a"].badge)
    assert _count(YearAdjustment) == 1
    assert org["officer_a"].name in _text(response)


# --- The panel's monthly adjustments and vetoes ------------------------------------------------------------------------


@pytest.fixture
def month_url(app, org):
    app.config["FIXED_NOW"] = datetime(2026, 12, 2, 2, 0, tzinfo=timezone.utc)
    client = browser(app)
    assert sign_in(client, org["panel_a"].badge).status_code == 302
    url = f"/month/{org.county_a.id}/2026-11"
    assert client.post(f"{url}/open").status_code == 302
    client.get(url)  # its flash read
    return client, url


@pytest.mark.parametrize("kind", ["adjustments", "vetoes"])
def test_a_monthly_adjustment_or_veto_does_not_tell_the_name_behind_a_badge(org, month_url, kind):
    client, url = month_url
    data = {"kind": "commendation", "points": "2", "reason": "Commended", "evidence": "",
            "event_date": date(2026, 11, 10).isoformat()}
    missing = field_errors(client.post(f"{url}/{kind}", data={**data, "person": NOWHERE}))
    outsider = org["officer_b"]
    response = client.post(f"{url}/{kind}", data={**data, "person": outsider.badge})
    assert response.status_code == 422
    assert field_errors(response) == [m.replace(NOWHERE, outsider.badge) for m in missing]
    assert outsider.name not in _text(response)
    assert _count(MonthAdjustment) == 0 and _count(VetoEvent) == 0


# --- Delegations: the acting supervisor and the supervisor named by badge ------------------------------------------


def _delegate(client, acting, supervisor=""):
    return client.post("/review/delegations", data={
        "supervisor": supervisor, "acting": acting, "start_date": "2026-12-01", "end_date": "2026-12-10",
        "reason": "Leave"})


def test_an_acting_supervisor_of_another_unit_is_answered_as_a_missing_badge(app, org):
    client = browser(app)
    assert sign_in(client, org["supervisor_a"].badge).status_code == 302
    missing = field_errors(_delegate(client, NOWHERE))
    outsider = org["officer_b"]  # a county of another city
    response = _delegate(client, outsider.badge)
    assert response.status_code == 422
    assert field_errors(response) == [m.replace(NOWHERE, outsider.badge) for m in missing]
    assert outsider.name not in _text(response)
    assert _count(Delegation) == 0
    # Someone of the supervisor's own unit may act.
    assert _delegate(client, org["officer_a"].badge).status_code == 302
    assert _count(Delegation) == 1


def test_an_administrator_names_only_supervisors_of_their_units(app, org):
    client = browser(app)
    assert sign_in(client, org["admin_a"].badge).status_code == 302
    missing = field_errors(_delegate(client, org["officer_b"].badge, supervisor=NOWHERE))
    response = _delegate(client, org["officer_b"].badge, supervisor=org["officer_b"].badge)
    assert response.status_code == 422
    assert field_errors(response) == [m.replace(NOWHERE, org["officer_b"].badge) for m in missing]
    assert _count(Delegation) == 0


# --- Services raise, never abort ----------------------------------------------------------------------------------------


def test_no_service_calls_abort():
    import pathlib
    import re
    root = pathlib.Path(__file__).resolve().parent.parent / "worklog"
    offenders = [str(path.relative_to(root)) for path in root.rglob("*.py")
                 if path.name in ("services.py", "queries.py", "rounds.py", "importer.py", "exports.py",
                                  "permissions.py")
                 and re.search(r"\babort\(", path.read_text(encoding="utf-8"))
                 and path.name != "permissions.py"]
    assert offenders == []


def test_survey_scope_checks_raise_out_of_scope(app, org):
    from worklog.errors import OutOfScope
    from worklog.survey import services
    with pytest.raises(OutOfScope):
        services.call_in_scope(org["officer_a"], 12345)


# --- A unit in a round ------------------------------------------------------------------------------------------------


def test_a_round_for_a_unit_outside_hrs_scope_is_answered_as_a_missing_unit(app, org):
    from models import PromotionRound
    client = browser(app)
    assert sign_in(client, org["hr_a"].badge).status_code == 302
    data = {"name": "Round", "reference_date": "2026-11-01", "policy": "competitive"}
    missing = client.post("/hr", data={**data, "unit": 999999})
    elsewhere = client.post("/hr", data={**data, "unit": org.city_b.id})
    assert elsewhere.status_code == missing.status_code and elsewhere.status_code in (404, 422)
    assert field_errors(elsewhere) == field_errors(missing)
    assert "City B" not in _text(elsewhere)
    assert _count(PromotionRound) == 0
