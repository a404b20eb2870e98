"""DATABASE_REPLICA_URL: the report pages read from the replica, everything else from the primary.

Here the "replica" is a second engine on the test's own database, so what is checked is the routing: which
engine each statement of a request runs on."""
from __future__ import annotations

import pytest
from sqlalchemy import event

from tests.factories import sign_in
from tests.ledgers.conftest import NOVEMBER
from worklog import create_app
from worklog.extensions import db

pytestmark = pytest.mark.postgres


@pytest.fixture
def app(database_url):
    """The suite's app, with a read replica configured."""
    from tests.conftest import TEST_CONFIG
    app = create_app({**TEST_CONFIG, "DATABASE_URL": database_url, "DATABASE_REPLICA_URL": database_url})
    with app.app_context():
        yield app
        db.session.close()
        db.engine.dispose()
        db.replica.dispose()


def _statements(engine, into: list):
    event.listen(engine, "before_cursor_execute", lambda _c, _cur, statement, *_a: into.append(statement))


def test_reports_read_from_the_replica_and_nothing_else_does(client, org, signed):
    assert db.replica is not None and db.replica is not db.engine
    on_primary, on_replica = [], []
    _statements(db.engine, on_primary)
    _statements(db.replica, on_replica)

    sign_in(client, org["panel_a"].badge)
    on_primary.clear(), on_replica.clear()
    page = client.get(f"/ledgers/units/{org.county_a.id}/{NOVEMBER:%Y-%m}")
    assert page.status_code == 200 and "25.00" in page.get_data(as_text=True)
    ledger_reads = [s for s in on_replica if "department_month" in s or "unit_month" in s]
    assert ledger_reads, on_replica
    assert not [s for s in on_primary if "department_month" in s or "unit_month" in s]
    # Signing in is checked on the primary: a replica a moment behind never lets a signed-out session in.
    assert any("login_session" in s for s in on_primary)
    assert not any("login_session" in s for s in on_replica)

    on_primary.clear(), on_replica.clear()
    sign_in(client, org["officer_a"].badge)
    assert client.get("/day").status_code in (200, 302)
    assert client.get("/ledger").status_code == 200
    assert on_replica == []
