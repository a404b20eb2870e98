"""Rule sets: versions by effective date; a month keeps the version in force when it was opened."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from models import RuleSet
from tests.factories import sign_in
from worklog.extensions import db
from worklog.rulesets.queries import values_on
from worklog.rules.ruleset import RuleValues

pytestmark = pytest.mark.postgres


def _form(**changes):
    data = {"valid_from": "2026-12-01", "note": "Tighter quota"} | RuleValues().to_mapping()
    return data | changes


def test_root_admin_creates_a_version_in_force_from_its_date(app, client, org):
    sign_in(client, org["root_admin"].badge)
    assert client.get("/admin/rules/").status_code == 200
    response = client.post("/admin/rules/", data=_form(excellent_quota="0.15"))
    assert response.status_code == 302
    assert values_on(date(2026, 11, 30)).excellent_quota == Decimal("0.20")
    assert values_on(date(2026, 12, 1)).excellent_quota == Decimal("0.15")


def test_bad_values_are_refused_and_nothing_is_stored(client, org):
    sign_in(client, org["root_admin"].badge)
    response = client.post("/admin/rules/", data=_form(excellent_quota="1.5", competent_min_score="95"))
    assert response.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(RuleSet)) == 0


def test_only_the_top_units_admin_changes_rules(client, org):
    sign_in(client, org["admin_a"].badge)
    assert client.get("/admin/rules/").status_code == 200
    assert client.post("/admin/rules/", data=_form()).status_code == 403
    client.post("/sign-out")
    sign_in(client, org["officer_a"].badge)
    assert client.get("/admin/rules/").status_code == 403
