"""Tamper evidence (issue 11, build point 2): seals of signed weeks and final months, the audit trail's HMACs and
checkpoints, ``flask verify``, and on PostgreSQL the triggers that refuse changes to sealed rows."""
from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from models import AuditCheckpoint, AuditEvent, Entry, MonthResult, MonthReview, Seal, WeekReview
from tests.factories import sign_in
from tests.ledgers.conftest import signed  # noqa: F401  (a week signed the real way)
from tests.monthly.conftest import county  # noqa: F401  (a county's October, hand-computed)
from tests.monthly.test_month import _close_october, _finalise
from tests.weekly.conftest import catalog  # noqa: F401
from worklog import integrity
from worklog.extensions import db

pytestmark = pytest.mark.postgres


def verify() -> integrity.Report:
    db.session.commit()
    report = integrity.verify(db.session)
    db.session.rollback()
    return report


@contextmanager
def behind_the_apps_back():
    """Raw SQL as someone with the database's keys would run it: on PostgreSQL a superuser who switches the
    triggers off (session_replication_role), which is what verify must still catch."""
    db.session.commit()
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SET LOCAL session_replication_role = replica"))
        yield connection
    db.session.expire_all()


@pytest.fixture
def final_month(app, client, org, county):  # noqa: F811
    _close_october(client, org, county)
    _finalise(app, client, county)
    client.post("/sign-out")
    return db.session.scalar(select(MonthReview).where(MonthReview.unit_id == county.unit.id))


def test_signing_and_finalising_seal_and_verify_is_clean(app, runner, org, signed, final_month):  # noqa: F811
    week = db.session.scalar(select(WeekReview).where(WeekReview.person_id == org["officer_a"].id))
    seals = {(s.kind, s.object_id): s for s in db.session.scalars(select(Seal))}
    assert set(seals) == {("week", week.id), ("month", final_month.id)}
    assert len(seals[("week", week.id)].items) == 1 + len(signed)  # the week row and its ten entries
    results = db.session.scalar(select(func.count()).select_from(MonthResult))
    assert len(seals[("month", final_month.id)].items) == 1 + results
    events = list(db.session.scalars(select(AuditEvent)))
    assert events and all(e.mac and e.nonce for e in events)
    report = verify()
    assert report.findings == []
    assert report.checked["sealed weeks"] == 1 and report.checked["sealed months"] == 1
    result = runner.invoke(args=["verify"])
    assert result.exit_code == 0, result.output
    assert "Clean" in result.output
    assert db.session.scalar(select(func.count()).select_from(AuditCheckpoint)) >= 1


def test_raw_sql_tampering_is_named_by_verify(app, runner, org, signed, final_month):  # noqa: F811
    entries = sorted(e.id for e in db.session.scalars(select(Entry).where(Entry.person_id == org["officer_a"].id)))
    changed_entry, deleted_entry = entries[0], entries[1]
    o2 = db.session.scalar(select(MonthResult).join(MonthResult.person).where(MonthResult.month_review_id
                                                                               == final_month.id)
                           .order_by(MonthResult.id).limit(1))
    badge, result_id = o2.person.badge, o2.id
    event_ids = sorted(db.session.scalars(select(AuditEvent.id)))
    reworded, deleted_event = event_ids[0], event_ids[1]
    assert integrity.checkpoint(db.session) is not None  # the trail so far is chained
    db.session.commit()
    assert verify().findings == []

    with behind_the_apps_back() as c:
        c.execute(text("UPDATE entry SET points = points + 5, approved_points = approved_points + 5 WHERE id = :id"),
                  {"id": changed_entry})
        c.execute(text("DELETE FROM entry WHERE id = :id"), {"id": deleted_entry})
        c.execute(text("UPDATE month_result SET score = 109 WHERE id = :id"), {"id": result_id})
        c.execute(text("UPDATE audit_event SET reason = 'nothing to see' WHERE id = :id"), {"id": reworded})
        c.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": deleted_event})
        inserted = c.execute(text(
            "INSERT INTO audit_event (at, action, object_type, object_id, reason) "
            "VALUES (CURRENT_TIMESTAMP, 'week.signed', 'week_review', 1, 'forged') RETURNING id")).scalar()

    report = verify()
    text_ = "\n".join(report.findings)
    assert f"changed: entry {changed_entry} in the signed week 2026-11-16 of officer {org['officer_a'].badge}" in text_
    assert f"deleted: entry {deleted_entry} in the signed week 2026-11-16" in text_
    assert f"changed: the month result of officer {badge} in the final month 2026-10" in text_
    assert f"changed: audit event {reworded} " in text_
    assert f"deleted: audit event {deleted_event} " in text_
    assert f"inserted: audit event {inserted} " in text_
    assert len(report.findings) == 6, text_

    result = runner.invoke(args=["verify", "--no-checkpoint"])
    assert result.exit_code == 1
    assert f"deleted: entry {deleted_entry}" in result.output and "6 finding(s)" in result.output


def test_rows_added_to_a_sealed_week_and_seals_removed_are_named(app, org, signed, final_month):  # noqa: F811
    week = db.session.scalar(select(WeekReview).where(WeekReview.person_id == org["officer_a"].id))
    entry = db.session.scalar(select(Entry).where(Entry.person_id == org["officer_a"].id).limit(1))
    columns = ("day_id, person_id, work_date, task_type_id, task_type_version_id, category_id, unit_id, "
               "department_id, post_id, sequence_id, quantity, hours, description, completion, standard_points, "
               "completion_factor, coefficient, points, approved_points, status, review_note, returned_count, "
               "week_signed, created_at, updated_at, version")
    month_seal = db.session.scalar(select(Seal.id).where(Seal.kind == "month"))
    with behind_the_apps_back() as c:
        added = c.execute(text(f"INSERT INTO entry ({columns}) SELECT {columns} FROM entry WHERE id = :id "
                               "RETURNING id"), {"id": entry.id}).scalar()
        c.execute(text("DELETE FROM seal WHERE id = :id"), {"id": month_seal})
        first_event = c.execute(text("SELECT min(id) FROM audit_event")).scalar()
        c.execute(text("INSERT INTO audit_event (at, actor_id, action, object_type, object_id, unit_id, before, "
                       "after, reason, nonce, mac) SELECT at, actor_id, action, object_type, object_id, unit_id, "
                       "before, after, reason, nonce, mac FROM audit_event WHERE id = :id"), {"id": first_event})
    findings = verify().findings
    assert f"inserted: 1 copies of audit event {first_event} (the same nonce and HMAC)" in findings
    assert f"inserted: entry {added} in the signed week 2026-11-16 of officer {org['officer_a'].badge} " \
           f"(week review {week.id})" in findings
    assert any(f.startswith("unsealed: the final month 2026-10") for f in findings), findings


def test_a_week_unsigned_behind_the_apps_back_is_named_but_a_recorded_reopening_is_not(
        app, client, org, signed):  # noqa: F811
    week = db.session.scalar(select(WeekReview).where(WeekReview.person_id == org["officer_a"].id))
    week_id = week.id
    with behind_the_apps_back() as c:
        c.execute(text("UPDATE week_review SET status = 'open' WHERE id = :id"), {"id": week_id})
    assert verify().findings == [f"changed: week review {week_id} (2026-11-16) was sealed and is now open, without "
                                 "a recorded reopening"]
    with behind_the_apps_back() as c:
        c.execute(text("UPDATE week_review SET status = 'signed' WHERE id = :id"), {"id": week_id})
    assert verify().findings == []

    # The panel reopens it the recorded way: clean, and signing again seals it again.
    sign_in(client, org["panel_a"].badge)
    response = client.post(f"/review/{org['officer_a'].id}/2026-11-16/unsign",
                           data={"reason": "Wrong task type on Tuesday", "confirm": "yes"})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert db.session.get(WeekReview, week_id).status == "open"
    assert verify().findings == []
    states = [s.state for s in db.session.scalars(select(Seal).where(Seal.kind == "week").order_by(Seal.id))]
    assert states == ["sealed", "reopened"]


def test_a_month_reopened_by_the_panel_verifies_clean(app, client, org, final_month):
    sign_in(client, org["panel_a"].badge)
    response = client.post(f"/month/{final_month.unit_id}/2026-10/reopen", data={"reason": "Complaint upheld"})
    assert response.status_code == 302
    assert db.session.get(MonthReview, final_month.id).status == "computed"
    assert verify().findings == []
    chain = list(db.session.scalars(select(Seal).where(Seal.kind == "month").order_by(Seal.id)))
    assert [s.state for s in chain] == ["sealed", "reopened"] and chain[1].prev_id == chain[0].id


def test_a_forged_seal_is_named(app, org, signed):  # noqa: F811
    seal = db.session.scalar(select(Seal))
    with behind_the_apps_back() as c:
        c.execute(text("UPDATE seal SET items = :items WHERE id = :id"), {"id": seal.id, "items": "{}"})
    findings = verify().findings
    assert f"changed: seal {seal.id} (week 2026-11-16) no longer matches its HMAC" in findings


def test_digests_need_the_key_not_only_the_database(app, org, signed):  # noqa: F811
    """Someone who can write the database but does not hold INTEGRITY_KEY cannot make a digest verify accepts."""
    db.session.commit()
    other = integrity.verify(db.session, secret=b"a guess")
    db.session.rollback()
    assert other.findings  # every HMAC differs under another key
    app.config["INTEGRITY_KEY"] = "kept in instance/config.py"
    assert integrity.key() == b"kept in instance/config.py"
    app.config["INTEGRITY_KEY"] = None
    assert integrity.key() != app.config["SECRET_KEY"].encode()


# --- PostgreSQL: triggers ------------------------------------------------------------------------------------------


def _refused(*statements: str, **params) -> bool:
    db.session.commit()
    try:
        with db.engine.begin() as connection:
            for sql in statements:
                connection.execute(text(sql), params)
    except DBAPIError as error:
        assert "sealed row" in str(error.orig)
        return True
    return False


def test_postgresql_refuses_changes_to_sealed_rows_and_audit_events(app, client, org, signed, final_month):  # noqa: F811
    if db.engine.dialect.name != "postgresql":
        pytest.skip("triggers are PostgreSQL's; on SQLite verify alone tells")
    entry = db.session.scalar(select(Entry.id).where(Entry.person_id == org["officer_a"].id).limit(1))
    week = db.session.scalar(select(WeekReview).where(WeekReview.person_id == org["officer_a"].id))
    result = db.session.scalar(select(MonthResult.id).where(MonthResult.month_review_id == final_month.id).limit(1))
    event = db.session.scalar(select(AuditEvent.id).limit(1))
    assert _refused("UPDATE entry SET points = 99 WHERE id = :id", id=entry)
    assert _refused("DELETE FROM entry WHERE id = :id", id=entry)
    assert _refused("UPDATE week_review SET approved_points = 0 WHERE id = :id", id=week.id)
    assert _refused("DELETE FROM week_review WHERE id = :id", id=week.id)
    assert _refused("UPDATE month_result SET score = 109 WHERE id = :id", id=result)
    assert _refused("UPDATE month_review SET status = 'computed' WHERE id = :id", id=final_month.id)
    assert _refused("UPDATE audit_event SET reason = 'x' WHERE id = :id", id=event)
    assert _refused("DELETE FROM audit_event WHERE id = :id", id=event)
    assert _refused("DELETE FROM seal")
    # Rows that are not sealed change as before, and a setting no service made does not open the seal either.
    assert not _refused("UPDATE entry SET description = 'x' WHERE person_id = :p AND NOT week_signed",
                        p=org["officer_a"].id)
    assert _refused("SET LOCAL worklog.other = 'on'", "UPDATE entry SET points = 99 WHERE id = :id", id=entry)
    assert _refused("SET LOCAL worklog.reopening = 'on'", "DELETE FROM audit_event WHERE id = :id", id=event)
    # The recorded reopenings go through.
    sign_in(client, org["panel_a"].badge)
    response = client.post(f"/review/{org['officer_a'].id}/2026-11-16/unsign",
                           data={"reason": "Wrong task", "confirm": "yes"})
    assert response.status_code == 302
    assert db.session.get(WeekReview, week.id).status == "open"
    assert not db.session.get(Entry, entry).week_signed
    response = client.post(f"/month/{final_month.unit_id}/2026-10/reopen", data={"reason": "Complaint upheld"})
    assert response.status_code == 302
    assert db.session.get(MonthReview, final_month.id).status == "computed"
    assert verify().findings == []


# --- The demo ------------------------------------------------------------------------------------------------------


def test_verify_is_clean_on_the_demo(app, runner):
    from worklog import demo
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert demo.DEMO_PASSWORD in result.output
    assert db.session.scalar(select(func.count()).select_from(Seal)) > 0
    result = runner.invoke(args=["verify"])
    assert result.exit_code == 0, result.output
    assert "Clean" in result.output


# --- The audit chain beside the requests ---------------------------------------------------------------------------


def _event(event_id: int | None = None) -> None:
    db.session.add(AuditEvent(id=event_id, action="test.event", object_type="test", reason="late commit"))
    db.session.commit()


def test_events_committed_after_a_checkpoint_passed_their_id_are_chained_by_the_next(app, org):
    integrity.checkpoint(db.session)
    db.session.commit()
    last = db.session.scalar(select(func.max(AuditEvent.id)))
    _event(last + 5)
    assert integrity.checkpoint(db.session) is not None
    db.session.commit()
    _event(last + 2)  # its transaction began first and committed last
    made = integrity.checkpoint(db.session)
    db.session.commit()
    assert db.session.get(AuditCheckpoint, made).ranges == [[last + 2, last + 2]]
    assert integrity.checkpoint(db.session) is None  # nothing left to chain
    db.session.commit()
    assert verify().findings == []
    with behind_the_apps_back() as c:
        c.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": last + 2})
    assert verify().findings == [f"deleted: audit event {last + 2} (held by audit checkpoint {made})"]


def test_checkpointing_never_waits_for_another_process(app, org):
    """Whoever finds the checkpoint lock taken leaves the work to its holder: no writing request queues behind it."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time anyway")
    db.session.commit()
    with db.engine.begin() as other:
        other.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": integrity._LOCK_KEY})
        assert integrity.checkpoint(db.session) is None
        db.session.rollback()
    assert integrity.checkpoint(db.session) is not None
    db.session.commit()
