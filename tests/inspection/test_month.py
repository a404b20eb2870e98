"""A finding's deduction reaches the officer's month: the ten-officer county of tests/monthly, worked out by hand."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from models import MonthResult, MonthReview
from tests.factories import sign_in
from tests.daily.conftest import catalog  # noqa: F401  (the day fixtures, shared)
from tests.monthly.conftest import county  # noqa: F401  (the hand-computed county)
from worklog.extensions import db

pytestmark = pytest.mark.postgres


def _record(client, badge, day, category, **values):
    response = client.post("/inspection/findings/new", data={
        "target": "officer", "badge": badge, "found_on": day, "category": category,
        "description": f"{category} on {day}"} | values)
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.location.rsplit("/", 1)[1])


def test_findings_reach_the_officers_month_score(client, new_client, inspectors, county):  # noqa: F811
    o = county.officers
    sign_in(client, inspectors["inspector_city"].badge)
    enforcement = _record(client, o["O3"].badge, "2026-10-12", "enforcement")
    discipline = _record(client, o["O5"].badge, "2026-10-05", "discipline")
    repeat = _record(client, o["O5"].badge, "2026-10-20", "discipline")
    withdrawn = _record(client, o["O2"].badge, "2026-10-06", "complaint")
    client.post(f"/inspection/findings/{withdrawn}/void", data={"reason": "Not O2 after all"})
    _record(client, o["O1"].badge, "2026-11-02", "appearance")  # November's: not October's
    panel = new_client()
    sign_in(panel, inspectors["panel_a"].badge)
    url = f"/month/{county.unit.id}/2026-10"
    assert panel.post(url + "/open").status_code == 302
    assert panel.post(url + "/compute").status_code == 302
    db.session.expire_all()
    review = db.session.scalar(select(MonthReview).where(MonthReview.unit_id == county.unit.id))
    results = {r.person.name: r for r in db.session.scalars(select(MonthResult).where(
        MonthResult.month_review_id == review.id))}
    got = {name: (str(r.base), str(r.workload), str(r.quality), str(r.score)) for name, r in results.items()
           if name in ("O1", "O2", "O3", "O5")}
    assert got == {
        "O1": ("30.00", "50.00", "20.00", "100.00"),   # November's finding not counted (no commendation here)
        "O2": ("30.00", "50.00", "20.00", "100.00"),   # withdrawn: nothing
        "O3": ("30.00", "49.50", "18.00", "97.50"),    # enforcement error 2.00 off quality: 20 − 2
        "O5": ("25.00", "44.00", "20.00", "89.00"),    # discipline 2.00, then its repeat 2.00 × 1.5 = 3.00: 30 − 5
    }
    # The result's columns keep meaning all that came off the base and quality.
    assert (str(results["O5"].discipline_deductions), str(results["O3"].quality_deductions)) == ("5.00", "2.00")
    page = panel.get(f"/month/results/{results['O5'].id}").get_data(as_text=True)
    assert f"inspection finding no. {discipline} (discipline and conduct, 2026-10-05): 2.00" in page
    assert f"inspection finding no. {repeat} (discipline and conduct, 2026-10-20): 3.00" in page
    zh = panel.get(f"/month/results/{results['O3'].id}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    # In Chinese once /work/tr-inspection.json is merged into the catalogs; until then the source's English.
    assert f"督察问题第{enforcement}号（执法过错，2026-10-12）：扣2.00分" in zh or f"no. {enforcement}" in zh


def test_unit_and_department_findings_are_named_in_their_ledgers(client, new_client, inspectors, county):  # noqa: F811
    sign_in(client, inspectors["inspector_city"].badge)
    for values in ({"target": "unit", "unit": county.unit.id, "category": "complaint"},
                   {"target": "department", "department": county.department.id, "category": "appearance"}):
        response = client.post("/inspection/findings/new", data={
            "found_on": "2026-10-14", "description": f"{values['target']} finding", "badge": ""} | values)
        assert response.status_code == 302
    panel = new_client()
    sign_in(panel, inspectors["panel_a"].badge)
    unit_page = panel.get(f"/ledgers/units/{county.unit.id}/2026-10").get_data(as_text=True)
    assert "Inspection findings about the unit" in unit_page and "unit finding" in unit_page
    assert "−2.00" in unit_page and "department finding" not in unit_page
    departments = panel.get(f"/ledgers/units/{county.unit.id}/2026-10/departments").get_data(as_text=True)
    assert "department finding" in departments and "−1.00" in departments and "Station A2" in departments
    department = panel.get(f"/ledgers/departments/{county.department.id}/2026-10").get_data(as_text=True)
    assert "department finding" in department
    # November's ledger names none of them; HR reads the ledger but not the finding's page (no link).
    assert "unit finding" not in panel.get(f"/ledgers/units/{county.unit.id}/2026-11").get_data(as_text=True)
    hr = new_client()
    sign_in(hr, inspectors["hr_a"].badge)
    page = hr.get(f"/ledgers/units/{county.unit.id}/2026-10").get_data(as_text=True)
    assert "unit finding" in page and "/inspection/findings/" not in page
