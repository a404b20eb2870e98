"""Two HR users accepting the same proposal at the same instant, with real threads and connections on PostgreSQL:
one honour is given, never two (the officers' rows are held while the first is given)."""
from __future__ import annotations

import random
from datetime import date

import pytest
from sqlalchemy import delete, func, select

from models import Honour, Person, Role, Unit
from tests.conftest import PG_URL, _empty_postgres
from tests.decisions.conftest import final_year
from tests.factories import make_person
from tests.test_races import _race
from worklog.decisions import services
from worklog.errors import Conflict
from worklog.extensions import db

pytestmark = pytest.mark.skipif(not PG_URL, reason="races need PostgreSQL (TEST_DATABASE_URL)")
TRIALS = 12


@pytest.fixture
def database_url(pg_database):
    """PostgreSQL only, whatever the suite's other backends."""
    yield pg_database
    _empty_postgres(pg_database)


def test_a_proposal_accepted_twice_at_once_gives_one_honour(app, org):
    officer = org["officer_a"]
    final_year(org.county_a, 2026, {officer: (1, "excellent")})
    other_hr = make_person("700009", "HR A2", org.dept_a, org.post, roles={Role.hr.value: org.county_a})
    db.session.commit()
    unit_id, officer_id, hr_ids = org.county_a.id, officer.id, (org["hr_a"].id, other_hr.id)
    data = {"title": "嘉奖", "decided_on": date(2027, 1, 20), "reference": "示公政〔2027〕9号"}

    def accept(hr_id):
        def go():
            return services.accept_proposals(db.session.get(Unit, unit_id), 2026, "commendation", [officer_id],
                                             data, db.session.get(Person, hr_id))
        return go

    jitter, refused = random.Random(TRIALS), 0
    for _ in range(TRIALS):
        outcomes = _race(app, accept(hr_ids[0]), accept(hr_ids[1]), jitter)
        db.session.expire_all()
        assert db.session.scalar(select(func.count()).select_from(Honour)) == 1, outcomes
        refused += sum(isinstance(o, Conflict) for o in outcomes)
        db.session.execute(delete(Honour))
        db.session.commit()
    assert refused == TRIALS  # each time, the second found the first's honour and was refused
