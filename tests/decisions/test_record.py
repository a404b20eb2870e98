"""An officer's decisions and honours in their history: HR over a unit the officer worked in reads them (linked from
the officer's ledger), the officer reads their own under /my/record, nobody else."""
from __future__ import annotations

import pytest

from models import Role
from tests.factories import make_person, sign_in
from worklog.extensions import db

pytestmark = pytest.mark.postgres


def _record_some(client, org, published):
    officer = org["officer_a"]
    assert client.post(f"/hr/rounds/{published.id}/decisions/{officer.id}", data={
        "outcome": "promoted", "decided_on": "2027-01-20", "reference": "示公人〔2027〕3号", "note": "晋升一级警长",
        "version": "0"}).status_code == 302
    assert client.post(f"/hr/lists/{org.county_a.id}/2026/actions/{officer.id}", data={
        "outcome": "not_carried_out", "decided_on": "2027-01-15", "note": "已晋升，不再调整",
        "version": "0"}).status_code == 302
    assert client.post(f"/hr/honours/{org.county_a.id}/2026", data={
        "badge": officer.badge, "kind": "award", "title": "优秀公务员", "decided_on": "2027-01-10",
        "reference": "示公政〔2027〕8号", "reason": "年度考核优秀"}).status_code == 302


def test_hr_and_the_officer_read_the_officers_record(client, new_client, org, published, on_lists):
    sign_in(client, org["hr_a"].badge)
    _record_some(client, org, published)
    officer = org["officer_a"]
    ledger = client.get(f"/people/{officer.id}/ledger").text
    assert f"/hr/people/{officer.id}/record" in ledger
    page = client.get(f"/hr/people/{officer.id}/record").text
    for text in ("2026 competitive promotion", "Promoted", "示公人〔2027〕3号", "晋升一级警长", "Removal from post",
                 "Not carried out", "已晋升，不再调整", "Award for excellence", "优秀公务员", "年度考核优秀"):
        assert text in page, text
    own = new_client()
    sign_in(own, officer.badge)
    assert "/my/record" in own.get("/ledger").text and "/my/record" in own.get("/my/years").text
    mine = own.get("/my/record").text
    assert "优秀公务员" in mine and "Promoted" in mine and "已晋升，不再调整" in mine
    assert own.get(f"/hr/people/{officer.id}/record").status_code == 404
    # Another officer's own record holds none of it.
    other = new_client()
    sign_in(other, org["supervisor_a"].badge)
    page = other.get("/my/record").text
    assert "No honour on record." in page and "No decision on record." in page and "优秀公务员" not in page


@pytest.mark.parametrize("who", ["hr_b", "supervisor_a", "panel_a", "admin_a"])
def test_nobody_else_reads_it(client, org, published, who):
    if who == "hr_b":
        org.people["hr_b"] = make_person("300004", "HR B", org.dept_b, org.post, roles={Role.hr.value: org.city_b})
        db.session.commit()
    sign_in(client, org[who].badge)
    assert client.get(f"/hr/people/{org['officer_a'].id}/record").status_code == 404
    if who == "supervisor_a":  # the supervisor reads the ledger, without the link to the record
        ledger = client.get(f"/people/{org['officer_a'].id}/ledger").text
        assert f"/hr/people/{org['officer_a'].id}/record" not in ledger
