"""Every measure an indicator reads, for a county with the units under it and for a department, worked out by hand
on both databases (each measure is one aggregate query, whatever the number of units)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from models import DepartmentMonthCategory, Finding, IndicatorValue, Rectification
from tests.daily.conftest import catalog  # noqa: F401  (the day fixtures, shared)
from tests.facts.conftest import fact, mapped, send  # noqa: F401  (the facts' fixtures, shared)
from tests.units.conftest import answers, calls
from worklog.extensions import db
from worklog.indicators.queries import department_values, unit_values
from worklog.rules.ruleset import RuleValues

pytestmark = pytest.mark.postgres

D = Decimal
NOVEMBER, LAST = date(2026, 11, 1), date(2026, 11, 30)


def _finding(org, day: date, points: str, **more) -> Finding:
    finding = Finding(target="department", unit_id=org.county_a.id, department_id=org.dept_a.id, found_on=day,
                      category="discipline", description="值班脱岗", points=D(points), source="inspection", **more)
    db.session.add(finding)
    db.session.flush()
    return finding


def test_each_measure_by_hand(app, org, mapped):  # noqa: F811
    """In November, County A (Station A) has:

    - work facts: three jj110 calls and a visit entered on 24 November → calls 3 (the visit is another type);
    - category points: 12.50 and 7.50 of category YW in Station A's roll-up → 20.00 (October's 99 do not count);
    - inspection deductions: 2.00 + 1.50, and a withdrawn 5.00 that does not count → 3.50;
    - rectifications due by yesterday (24 November): two, one accepted on time → 50.00; one due on 30 November is
      not due yet;
    - the survey: 3 satisfied, 1 basic, 1 dissatisfied → (3 + 0.5) ÷ 5 = 70.00;
    - a manual value entered for October (80) and November (90): the latest, 90.
    City A (with County A under it) reads the same; County B nothing (0, or no value)."""
    got = send([fact("1"), fact("2"), fact("3"), fact("4", type_="visit", quantity="2")])
    assert got["created"] == 4
    category = mapped["T1"].category_id
    db.session.add_all([
        DepartmentMonthCategory(department_id=org.dept_a.id, month=NOVEMBER, category_id=category, entries=2,
                                points=D("20"), approved_points=D("20.00")),
        DepartmentMonthCategory(department_id=org.dept_a.id, month=date(2026, 10, 1), category_id=category,
                                entries=1, points=D("99"), approved_points=D("99"))])
    _finding(org, date(2026, 11, 3), "2.00")
    _finding(org, date(2026, 11, 20), "1.50")
    _finding(org, date(2026, 11, 21), "5.00", voided_at=app.config["FIXED_NOW"], void_reason="误登")
    for deadline, status, on_time in ((date(2026, 11, 10), "accepted", True), (date(2026, 11, 20), "open", None),
                                      (date(2026, 11, 30), "open", None)):
        finding = _finding(org, date(2026, 11, 2), "0")
        db.session.add(Rectification(finding_id=finding.id, unit_id=org.county_a.id, deadline=deadline,
                                     status=status, on_time=on_time))
    calls(org.county_a, "report_110", NOVEMBER, *answers(3, 1, 1))
    db.session.add_all([IndicatorValue(indicator_key="k1", plan_unit_id=org.city_a.id, unit_id=org.county_a.id,
                                       month=month, value=D(value), evidence="台账")
                        for month, value in ((date(2026, 10, 1), "80"), (NOVEMBER, "90"))])
    db.session.commit()

    measures = {("fact_count", "jj110:call"), ("ledger_points", str(category)), ("inspection_deductions", ""),
                ("rectification_rate", ""), ("satisfaction", "")}
    found = unit_values([org.county_a, org.city_a, org.county_b], measures, NOVEMBER, LAST, RuleValues(),
                        manual=[("k1", org.city_a.id)])
    for unit in (org.county_a, org.city_a):
        assert found[("fact_count", "jj110:call", unit.id)] == D("3")
        assert found[("ledger_points", str(category), unit.id)] == D("20.00")
        assert found[("inspection_deductions", "", unit.id)] == D("3.50")
        assert found[("rectification_rate", "", unit.id)] == D("50.00")
        assert found[("satisfaction", "", unit.id)] == D("70.00")
    assert found[("manual", "k1", org.county_a.id)] == D("90")
    b = org.county_b.id
    assert (found[("fact_count", "jj110:call", b)], found[("inspection_deductions", "", b)]) == (D("0"), D("0"))
    assert found.get(("satisfaction", "", b)) is None and found.get(("rectification_rate", "", b)) is None

    by_department = department_values([org.dept_a.id, org.dept_b.id], measures, NOVEMBER, LAST)
    assert by_department[("fact_count", "jj110:call", org.dept_a.id)] == D("3")
    assert by_department[("ledger_points", str(category), org.dept_a.id)] == D("20.00")
    assert by_department[("inspection_deductions", "", org.dept_a.id)] == D("3.50")
    assert by_department[("fact_count", "jj110:call", org.dept_b.id)] == D("0")
