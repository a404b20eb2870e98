"""HR makes a round for any active unit within its grants: a city's HR for one of its counties, through the page;
HR of another city cannot, and learns nothing of it."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from models import PromotionRound, Role
from tests.factories import make_person, sign_in, state_counts
from worklog.extensions import db

pytestmark = pytest.mark.postgres


def _options(page: str) -> dict[str, str]:
    """The "candidates from" choices of the new-round form: label → value."""
    select_ = re.search(r'<select[^>]*name="unit"[^>]*>(.*?)</select>', page, re.S).group(1)
    return {label: value for value, label in re.findall(r'<option[^>]*value="(\d+)"[^>]*>([^<]+)</option>', select_)}


def test_city_hr_makes_a_round_for_one_of_its_counties(client, org):
    sign_in(client, org["hr_a"].badge)
    page = client.get("/hr").get_data(as_text=True)
    options = _options(page)
    # The city and each of its counties, told apart; nothing of the other city.
    assert options == {"City A": str(org.city_a.id), "City A › County A1": str(org.county_a.id)}
    response = client.post("/hr", data={"name": "County promotion", "unit": options["City A › County A1"],
                                        "reference_date": "2026-11-15", "policy": "competitive_promotion"})
    assert response.status_code == 302, response.get_data(as_text=True)
    round_ = db.session.scalar(select(PromotionRound))
    assert round_.unit_id == org.county_a.id
    assert client.get(response.headers["Location"]).status_code == 200
    listed = client.get("/hr").get_data(as_text=True)
    assert "County promotion</a></td><td>County A1</td>" in listed


def test_hr_of_another_city_cannot_make_or_see_it(client, new_client, org):
    hr_b = make_person("300009", "HR B", org.dept_b, org.post, roles={Role.hr.value: org.city_b})
    db.session.commit()
    sign_in(client, hr_b.badge)
    assert "County A1" not in client.get("/hr").get_data(as_text=True)
    before = state_counts()
    response = client.post("/hr", data={"name": "Not mine", "unit": org.county_a.id,
                                        "reference_date": "2026-11-15", "policy": "competitive_promotion"})
    assert response.status_code == 422
    assert "Not a valid choice" in response.get_data(as_text=True)
    assert state_counts() == before and not db.session.scalar(select(func.count()).select_from(PromotionRound))
    # A's county round is answered to B as a missing one.
    theirs = new_client()
    sign_in(theirs, org["hr_a"].badge)
    assert theirs.post("/hr", data={"name": "County promotion", "unit": org.county_a.id,
                                    "reference_date": "2026-11-15", "policy": "competitive_promotion"}).status_code == 302
    round_ = db.session.scalar(select(PromotionRound))
    assert client.get(f"/hr/rounds/{round_.id}").status_code == 404
    assert client.get(f"/hr/rounds/{round_.id}/publish").status_code == 404
