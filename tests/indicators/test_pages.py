"""The indicators' pages through real requests: a city sets its counties a plan, a county breaks its target down
(refused whole when the parts do not add up), progress with its warnings, what lies behind a figure, and scope."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from models import DepartmentTarget, Indicator, IndicatorPlan, IndicatorTarget, Notification
from tests.factories import make_person, sign_in
from tests.indicators.test_indicators import APRIL, seed
from worklog.admin import services as admin
from worklog.extensions import db
from worklog.indicators import services

D = Decimal


@pytest.fixture
def world(app, org):
    app.config["FIXED_NOW"] = APRIL
    a2 = admin.create_unit(org.city_a, {"code": "CA2", "name": "County A2"}, None)
    db.session.commit()
    return a2


def test_a_city_sets_a_plan_an_indicator_and_targets(client, org, world):
    sign_in(client, "100002")  # City A's administrator
    page = client.get(f"/indicators/units/{org.city_a.id}/plans?year=2026")
    assert page.status_code == 200 and "County A2" in page.text
    bad = client.post(f"/indicators/units/{org.city_a.id}/plans?year=2026",
                      data={"valid_from": "2027-01-01", "dimensions": "Operations"})
    assert bad.status_code == 422 and db.session.scalar(select(func.count(IndicatorPlan.id))) == 0
    made = client.post(f"/indicators/units/{org.city_a.id}/plans?year=2026",
                       data={"valid_from": "2026-01-01", "dimensions": "Operations\nQuality\n"})
    assert made.status_code == 302
    plan = db.session.scalar(select(IndicatorPlan))
    assert plan.dimensions == ["Operations", "Quality"]
    form = {"dimension": "Operations", "name": "Points", "measure": "ledger_points", "category": "",
            "rule": "thresholds", "cap": "100", "steps": "100:100, wrong", "weight": "60"}
    refused = client.post(f"/indicators/plans/{plan.id}/indicators/new", data=form)
    assert refused.status_code == 422 and "share of the target" in refused.text
    assert db.session.scalar(select(func.count(Indicator.id))) == 0
    saved = client.post(f"/indicators/plans/{plan.id}/indicators/new", data=form | {"steps": "100:100, 90:80"})
    assert saved.status_code == 302
    indicator = db.session.scalar(select(Indicator))
    assert indicator.params == {"steps": [["1", "100"], ["0.9", "80"]]}
    targets = client.post(f"/indicators/indicators/{indicator.id}/targets",
                          data={f"unit_{org.county_a.id}": "3650", f"unit_{world.id}": ""})
    assert targets.status_code == 302
    assert [(t.unit_id, t.target) for t in db.session.scalars(select(IndicatorTarget))] == \
        [(org.county_a.id, D("3650.00"))]
    assert "Points" in client.get(f"/indicators/plans/{plan.id}").text


def test_others_cannot_reach_a_citys_plan(client, org, world, new_client):
    plan = services.create_plan(org.city_a, 2026, date(2026, 1, 1), ["业务工作"], "", org["admin_a"])
    db.session.commit()
    sign_in(client, "100003")  # City B's administrator
    assert client.get(f"/indicators/plans/{plan.id}").status_code == 404
    assert client.get(f"/indicators/units/{org.city_a.id}/plans").status_code == 404
    assert client.post(f"/indicators/units/{org.city_a.id}/plans",
                       data={"valid_from": "2026-02-01", "dimensions": "x"}).status_code == 404
    officer = new_client()
    sign_in(officer, "200002")
    assert officer.get("/indicators/").status_code == 404
    assert officer.get(f"/indicators/progress/{org.county_a.id}").status_code == 404


def test_a_county_breaks_its_target_down_or_nothing(client, org, world):
    _plan, points, _quality = seed(org, world)
    target = next(t for t in points.targets if t.unit_id == org.county_a.id)
    make_person("100010", "County admin", org.dept_a, org.post, roles={"admin": org.county_a})
    other = admin.create_department(org.county_a, {"code": "XJ", "name": "刑警队"}, None)
    db.session.commit()
    sign_in(client, "100010")
    page = client.get(f"/indicators/targets/{target.id}/breakdown")
    assert page.status_code == 200 and "刑警队" in page.text
    refused = client.post(f"/indicators/targets/{target.id}/breakdown",
                          data={f"department_{org.dept_a.id}": "2000", f"department_{other.id}": "1000"})
    assert refused.status_code == 422 and "3000.00" in refused.text and "3650.00" in refused.text
    assert db.session.scalar(select(func.count(DepartmentTarget.id))) == 0
    done = client.post(f"/indicators/targets/{target.id}/breakdown",
                       data={f"department_{org.dept_a.id}": "2000", f"department_{other.id}": "1650"})
    assert done.status_code == 302
    assert db.session.scalar(select(func.count(DepartmentTarget.id))) == 2
    assert client.get(f"/indicators/targets/{target.id + 1000}/breakdown").status_code == 404


def test_progress_warns_and_shows_what_is_behind_a_figure(client, org, world):
    """On 10 April (100 of 365 days) A1 is due 3650 × 100 ÷ 365 = 1000.00 and has 279.00 (March): below 80%, a
    warning. Its panel and administrators are told once, however often the warnings run."""
    seed(org, world)
    services.break_down(next(t for t in db.session.scalars(select(IndicatorTarget))
                             if t.unit_id == org.county_a.id and t.indicator.name == "积分"),
                        {org.dept_a.id: D("3650")}, org["admin_a"])
    db.session.commit()
    sign_in(client, "200003")  # County A's panel
    page = client.get(f"/indicators/progress/{org.county_a.id}?year=2026")
    assert page.status_code == 200
    assert "1000.00" in page.text and "279.00" in page.text and "Behind" in page.text
    assert "Station A" in page.text
    behind = client.get(f"/indicators/progress/{org.county_a.id}/entries/"
                        f"{db.session.scalar(select(Indicator.id).where(Indicator.name == '积分'))}")
    assert behind.status_code == 200
    assert services.send_warnings() > 0
    db.session.commit()
    count = db.session.scalar(select(func.count(Notification.id)).where(Notification.kind == "indicator_behind"))
    assert services.send_warnings() == 0
    assert db.session.scalar(select(func.count(Notification.id)).where(
        Notification.kind == "indicator_behind")) == count
    panel = org["panel_a"]
    assert db.session.scalar(select(func.count(Notification.id)).where(
        Notification.person_id == panel.id, Notification.kind == "indicator_behind")) == 2  # the unit, Station A
    assert "is behind on “积分”: 279.00 against 1000.00 due by now" in client.get("/notifications").text


def test_the_unit_ledgers_readers_of_another_county_see_nothing(client, org, world):
    seed(org, world)
    make_person("300003", "Panel B", org.dept_b, org.post, roles={"panel": org.county_b})
    db.session.commit()
    sign_in(client, "300003")
    assert client.get(f"/indicators/progress/{org.county_a.id}").status_code == 404
    assert client.get(f"/indicators/progress/{org.county_b.id}").status_code == 200


def test_the_warn_command(runner, org, world):
    seed(org, world)
    first = runner.invoke(args=["indicators", "warn"])
    assert first.exit_code == 0 and first.output.strip().endswith("warning(s) sent.")
    assert not first.output.startswith("0 ")
    again = runner.invoke(args=["indicators", "warn"])
    assert again.output.strip() == "0 warning(s) sent."


def test_a_manual_value_needs_its_evidence_and_a_sound_month(client, org, world):
    """Bad values are refused with a message and nothing stored; a sound one is kept with its evidence."""
    from models import AuditEvent, IndicatorValue
    plan = services.create_plan(org.city_a, 2026, date(2026, 1, 1), ["Quality"], "", org["admin_a"])
    manual = services.save_indicator(plan, {"dimension": "Quality", "name": "Training", "measure": "manual",
                                            "rule": "proportional", "weight": D("10")}, org["admin_a"])
    services.set_targets(manual, {org.county_a.id: D("100")}, org["admin_a"])
    db.session.commit()
    sign_in(client, "100002")
    url = f"/indicators/indicators/{manual.id}/values"
    good = {"unit": org.county_a.id, "month": "2026-03", "value": "96", "evidence": "Training roll"}
    for bad, message in [({"evidence": "  "}, "This field is required"), ({"month": "2026-13"}, "YYYY-MM"),
                         ({"month": "2026-09"}, "up to this month"), ({"value": "-1"}, "from 0 up"),
                         ({"unit": world.id}, "Not a valid choice"), ({"value": "many"}, "Not a valid decimal")]:
        response = client.post(url, data=good | bad)
        assert response.status_code == 422 and message in response.text, (bad, re.findall(r"role=\"alert\">([^<]*)<", response.text))
    assert db.session.scalar(select(func.count(IndicatorValue.id))) == 0
    assert client.post(url, data=good).status_code == 302
    value = db.session.scalar(select(IndicatorValue))
    assert (value.value, value.evidence, value.month) == (D("96.00"), "Training roll", date(2026, 3, 1))
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.action == "indicators.value_entered"))


def test_the_overview_reads_a_fixed_number_of_statements_whatever_the_units(client, org, world):
    """The province's administrator's overview: as many statements with six more cities (each with a county and
    a plan) as without them."""
    from tests.daily.conftest import count_queries
    sign_in(client, "100001")

    def statements() -> int:
        with count_queries() as seen:
            assert client.get("/indicators/?year=2026").status_code == 200
        return len(seen)

    before = statements()
    for i in range(6):
        city = admin.create_unit(org.province, {"code": f"CX{i}", "name": f"City X{i}"}, None)
        admin.create_unit(city, {"code": f"CX{i}1", "name": f"County X{i}1"}, None)
        services.create_plan(city, 2026, date(2026, 1, 1), ["Operations"], "", org["root_admin"])
    db.session.commit()
    assert statements() == before
