"""The synthetic province (`flask synthetic province`): the whole tree, signed weeks recorded exactly as the signing
service records them, roll-ups the ledger check accepts, final months within the quota, a survey month, and the
same rows from the same seed."""
from __future__ import annotations

import hashlib
import os
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import create_engine, func, select, text

from models import (Assignment, Base, DayLog, Entry, EntryStatus, MonthResult, MonthReview, MonthStatus, Person,
                    PersonDayTotal, RoleGrant, SurveyCall, SurveyContact, SurveyDraw, Unit, WeekReview, YearResult,
                    YearReview)
from tests.conftest import BACKENDS, TEST_CONFIG, scratch_postgres
from worklog import create_app, migrate
from worklog.extensions import db
from worklog.rules.points import entry_points

pytestmark = pytest.mark.postgres

SCALE = "0.002"
MONTH = "2026-10"
#: After the month and its survey calls: the clock the product sees while it reads the province.
NOW = datetime(2026, 11, 25, 4, 0, tzinfo=timezone.utc)


def generate(runner, *extra: str):
    return runner.invoke(args=["synthetic", "province", "--scale", SCALE, "--month", MONTH, *extra])


@contextmanager
def scratch_database(backend: str, tmp_path):
    """A migrated database of its own (a file on SQLite; beside TEST_DATABASE_URL's on PostgreSQL)."""
    if backend == "sqlite":
        tmp_path.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{tmp_path / 'province.db'}"
        engine = create_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        yield url
        return
    with scratch_postgres("_province") as url:
        yield url


def _app(url: str):
    return create_app({**TEST_CONFIG, "DATABASE_URL": url, "FIXED_NOW": NOW})


@dataclass
class Generated:
    app: object
    backend: str
    output: str          # what the command printed
    fingerprint: dict    # what it wrote, before any test changed anything


@pytest.fixture(scope="module", params=BACKENDS)
def generated(request, tmp_path_factory):
    """One province per backend for the tests that read it: generating takes seconds, reading it milliseconds.
    (The one test that changes it, the month close, only adds the month it closes.)"""
    with pytest.MonkeyPatch.context() as patch, \
            scratch_database(request.param, tmp_path_factory.mktemp("province")) as url:
        for name in list(os.environ):
            if name.startswith("WORKLOG_") or name in ("SECRET_KEY", "DATABASE_URL"):
                patch.delenv(name)
        patch.setenv("WORKLOG_INSTANCE_PATH", str(tmp_path_factory.mktemp("instance")))
        app = _app(url)
        with app.app_context():
            result = generate(app.test_cli_runner())
            assert result.exit_code == 0, result.output
            found = Generated(app, request.param, result.output, _fingerprint())
            db.session.close()
        yield found
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def province(generated):
    with generated.app.app_context():
        yield generated
        db.session.close()


@pytest.fixture
def province_runner(province):
    return province.app.test_cli_runner()


def test_the_whole_tree_with_people_supervisors_and_roles(province):
    levels = dict(db.session.execute(select(Unit.level, func.count()).group_by(Unit.level)).all())
    assert levels == {"province": 1, "city": 14, "county": 129}
    assert "Every account's password: Jingwu-2026" in province.output
    people = db.session.scalar(select(func.count()).select_from(Person))
    assert 144 * 2 <= people <= 400
    assignments = list(db.session.scalars(select(Assignment)))
    assert len(assignments) == people
    # Everyone has a supervisor but the provincial department's leader; nobody supervises themselves.
    assert sum(1 for a in assignments if a.supervisor_id is None) == 1
    assert all(a.supervisor_id != a.person_id for a in assignments)
    roles = dict(db.session.execute(select(RoleGrant.role, func.count(func.distinct(RoleGrant.unit_id)))
                                    .group_by(RoleGrant.role)).all())
    assert roles["panel"] == 144 and roles["officer"] == 144
    assert roles["admin"] >= 15 and roles["hr"] == 15 and roles["survey"] == 1


def test_the_schema_is_whole_again_and_the_month_in_its_partitions(province):
    """The indexes and foreign keys dropped for the load are back as the migrations made them; on PostgreSQL the
    month's day logs, entries and totals are in October's partitions, none in a DEFAULT one."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from models import Base, partitions
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                               "compare_server_default": True,
                                                               **partitions.comparison_filters(connection)})
        assert compare_metadata(context, partitions.metadata_for(connection, Base.metadata)) == []
        if province.backend == "postgresql":
            for table in partitions.TABLES:
                where = dict(connection.execute(text(
                    f"SELECT tableoid::regclass::text, count(*) FROM {table} GROUP BY 1")).all())
                assert set(where) == {f"{table}_2026_10"}


def test_signed_weeks_are_recorded_as_the_signing_service_records_them(province):
    # Plain rows rather than ORM objects: a few tens of thousands of entries.
    entries = db.session.execute(select(
        Entry.person_id, Entry.work_date, Entry.status, Entry.week_signed, Entry.quantity, Entry.standard_points,
        Entry.completion_factor, Entry.coefficient, Entry.points, Entry.approved_points, Entry.reviewed_by_id,
        Entry.reviewed_at)).all()
    reviews = {(r.person_id, r.week_start): r for r in db.session.scalars(select(WeekReview))}
    assert reviews and all(r.status == "signed" and r.signed_by_id and r.signed_at for r in reviews.values())
    counted = defaultdict(lambda: [0, Decimal("0"), Decimal("0")])
    for e in entries:
        assert e.points == entry_points(e.quantity, e.standard_points, e.completion_factor, e.coefficient)
        review = reviews.get((e.person_id, e.work_date - timedelta(days=e.work_date.weekday())))
        if review is None:
            # Weeks the month shares with its neighbours wait for the supervisor: submitted, not counted.
            assert e.status == EntryStatus.submitted.value and not e.week_signed and e.approved_points is None
            continue
        assert e.status == EntryStatus.approved.value and e.week_signed
        assert e.reviewed_by_id == review.signed_by_id and e.reviewed_at <= review.signed_at
        bucket = counted[(review.person_id, review.week_start)]
        bucket[0] += 1
        bucket[1] += e.points
        bucket[2] += e.approved_points
    for key, review in reviews.items():
        assert (review.entries, review.points, review.approved_points) == tuple(counted[key]), key
    statuses = {e.status for e in entries}
    assert EntryStatus.draft.value not in statuses and EntryStatus.returned.value not in statuses
    assert any(e.approved_points != e.points for e in entries if e.week_signed), "a few points adjusted"


def test_the_roll_ups_are_exact(province, province_runner):
    result = province_runner.invoke(args=["ledger", "check"])
    assert result.exit_code == 0, result.output
    assert "No differences" in result.output
    # The day's roll-up: what ledgers.services.add_to_day keeps, entry by entry.
    fresh = {(pid, day): (n, Decimal(h), Decimal(p), Decimal(a)) for pid, day, n, h, p, a in db.session.execute(
        select(Entry.person_id, Entry.work_date, func.count(), func.sum(Entry.hours), func.sum(Entry.points),
               func.coalesce(func.sum(Entry.approved_points), 0)).group_by(Entry.person_id, Entry.work_date))}
    kept = {(t.person_id, t.work_date): (t.entries, t.hours, t.points, t.approved_points)
            for t in db.session.scalars(select(PersonDayTotal))}
    assert kept == fresh
    days = db.session.scalar(select(func.count()).select_from(DayLog))
    late = db.session.scalar(select(func.count()).select_from(DayLog).where(DayLog.late.is_(True)))
    assert days == len(kept) and 0 < late < days / 10


def test_twelve_final_months_and_a_year_within_the_quota(province):
    reviews = list(db.session.scalars(select(MonthReview).where(MonthReview.month < date(2026, 10, 1))))
    assert len(reviews) == 144 * 12 and {r.status for r in reviews} == {MonthStatus.final.value}
    assert all(r.rule_set_id is not None for r in reviews)
    groups = defaultdict(list)
    for row in db.session.scalars(select(MonthResult)):
        groups[(row.month_review_id, row.sequence_id)].append(row)
    for rows in groups.values():
        excellent = sum(1 for r in rows if r.final_grade == "excellent")
        assert excellent <= len(rows) * Decimal("0.2") and all(r.group_size == len(rows) for r in rows)
    assert db.session.scalar(select(func.count()).select_from(YearReview)) == 144
    assert db.session.scalar(select(func.count()).select_from(YearResult)) > 0


def test_a_survey_month_the_product_can_read(province):
    from worklog.survey import phones, services
    calls = list(db.session.scalars(select(SurveyCall)))
    assert calls and all(c.outcome for c in calls)
    contact = db.session.get(SurveyContact, calls[0].contact_id)
    assert phones.decrypt(contact.phone_cipher)[-4:] == contact.phone_last4
    assert phones.phone_hash(phones.decrypt(contact.phone_cipher)) == contact.phone_hash
    draw = db.session.scalar(select(SurveyDraw).order_by(SurveyDraw.id.desc()).limit(1))
    assert services.reproduce(draw) is True


def test_the_generated_month_closes_like_any_other(province, province_runner):
    result = province_runner.invoke(args=["month", "close", "C01", MONTH, "--subtree"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    city = db.session.scalar(select(Unit).where(Unit.code == "C01"))
    subtree = db.session.scalar(select(func.count()).select_from(Unit).where(Unit.path.startswith(city.path)))
    closed = db.session.scalar(select(func.count()).select_from(MonthReview).where(
        MonthReview.month == date(2026, 10, 1)))
    assert closed == subtree > 1


def test_refuses_a_database_that_holds_people(app, runner, org):
    db.session.commit()
    people = db.session.scalar(select(func.count()).select_from(Person))
    db.session.commit()  # end the read: the command needs the database to itself
    result = generate(runner)
    assert result.exit_code == 1
    assert "not empty" in result.output and "Nothing was changed" in result.output
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Person)) == people
    assert db.session.scalar(select(func.count()).select_from(Unit)) == 5


def test_refuses_a_month_that_is_not_over(app, runner):
    app.config["FIXED_NOW"] = NOW
    result = runner.invoke(args=["synthetic", "province", "--scale", SCALE, "--month", "2026-11"])
    assert result.exit_code == 1 and "not over" in result.output


# --- the same seed, the same rows ----------------------------------------------------------------------------------


def _fingerprint() -> dict:
    """What a generation wrote: every table's row count, sums of points and scores, and a digest of people,
    entries and phone numbers in id order."""
    session = db.session
    counts = {t.name: session.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables}
    sums = session.execute(select(func.sum(Entry.points), func.sum(Entry.approved_points),
                                  func.sum(Entry.quantity))).one()
    digest = hashlib.sha256()
    for query in (select(Person.badge, Person.name, Person.hire_date).order_by(Person.id),
                  select(Entry.id, Entry.person_id, Entry.task_type_id, Entry.points, Entry.created_at)
                  .order_by(Entry.id),
                  select(SurveyContact.phone_cipher, SurveyContact.phone_hash).order_by(SurveyContact.id)):
        for row in session.execute(query):
            digest.update(repr(tuple(row)).encode())
    return {"counts": counts, "sums": tuple(Decimal(v) for v in sums),
            "scores": Decimal(session.scalar(select(func.sum(MonthResult.score)))), "digest": digest.hexdigest()}


def test_the_same_seed_gives_the_same_rows(generated, tmp_path):
    """Two more generations, each in a fresh database: the same seed again, then another seed."""
    found = {}
    for seed in ("1", "2"):
        with scratch_database(generated.backend, tmp_path / seed) as url:
            app = _app(url)
            with app.app_context():
                result = generate(app.test_cli_runner(), "--seed", seed)
                assert result.exit_code == 0, result.output
                found[seed] = _fingerprint()
                db.session.close()
                db.engine.dispose()
    assert found["1"] == generated.fingerprint
    assert found["2"]["counts"]["unit"] == 144
    assert found["2"]["sums"] != found["1"]["sums"] and found["2"]["digest"] != found["1"]["digest"]
