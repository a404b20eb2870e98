"""Two people acting on the same entry or week at once: one succeeds, the other is told (409), nothing is
lost or counted twice. Threads with their own connections: truly concurrent on PostgreSQL; on SQLite the
write lock makes the second wait, then see the first's change."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from models import AuditEvent, Entry, Person, WeekReview
from tests.factories import PASSWORD, sign_in
from tests.weekly.conftest import MONDAY
from worklog.errors import Conflict
from worklog.extensions import db

pytestmark = pytest.mark.postgres


def run_together(app, *actions):
    """Run each action in its own thread, app context and database session, started at the same instant.
    Returns what each returned or raised."""
    barrier = threading.Barrier(len(actions))
    results: list = [None] * len(actions)

    def worker(index, action):
        with app.app_context():
            try:
                barrier.wait(timeout=10)
                results[index] = action()
                db.session.commit()
            except Exception as error:  # the outcome under test
                db.session.rollback()
                results[index] = error

    threads = [threading.Thread(target=worker, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _approve_all_then(app, org, week):
    from worklog.weekly import services
    supervisor = db.session.get(Person, org["supervisor_a"].id)
    services.approve_all(db.session.get(Person, org["officer_a"].id), MONDAY, supervisor)
    db.session.commit()


def test_double_sign_from_two_connections_signs_once_and_audits_once(app, org, week):
    _approve_all_then(app, org, week)
    officer_id, supervisor_id = org["officer_a"].id, org["supervisor_a"].id

    def sign():
        from worklog.weekly import services
        return services.sign_week(db.session.get(Person, officer_id), MONDAY, db.session.get(Person, supervisor_id),
                                  PASSWORD)

    results = run_together(app, sign, sign)
    failures = [r for r in results if isinstance(r, Exception)]
    assert len(failures) == 1 and isinstance(failures[0], Conflict), results
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(WeekReview)) == 1
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "week.signed")) == 1


def test_approve_and_return_at_once_one_wins(app, org, week):
    entry_id, version = week[0].id, week[0].version
    officer_id, supervisor_id, acting_id = org["officer_a"].id, org["supervisor_a"].id, org["panel_a"].id
    from worklog.weekly import services
    services.delegate(org["supervisor_a"], org["panel_a"], MONDAY, MONDAY.replace(day=30), "", org["supervisor_a"])
    db.session.commit()

    def approve():
        return services.approve(db.session.get(Entry, entry_id), db.session.get(Person, supervisor_id), version)

    def give_back():
        return services.return_entry(db.session.get(Entry, entry_id), "check", db.session.get(Person, acting_id),
                                     version)

    results = run_together(app, approve, give_back)
    failures = [r for r in results if isinstance(r, Exception)]
    assert len(failures) == 1 and isinstance(failures[0], (Conflict, StaleDataError)), results
    db.session.expire_all()
    entry = db.session.get(Entry, entry_id)
    winner = "approved" if not isinstance(results[0], Exception) else "returned"
    assert entry.status == winner and entry.version == version + 1
    events = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action.in_(["entry.approved", "entry.returned"])))
    assert events == 1
    assert officer_id  # the officer's entry, reviewed once


def test_a_stale_page_gets_409_and_changes_nothing(client, org, week):
    entry_id, shown = week[0].id, week[0].version
    sign_in(client, org["supervisor_a"].badge)
    assert client.post(f"/review/entries/{entry_id}/approve", data={"version": shown}).status_code == 302
    # The same page, still showing the old version, now tries to return it.
    response = client.post(f"/review/entries/{entry_id}/return", data={"version": shown, "comment": "x"})
    assert response.status_code == 409
    assert "at the same time" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Entry, entry_id).status == "approved"
