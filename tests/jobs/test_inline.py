"""Jobs without a queue (no REDIS_URL): the parts run in this process, each committed with its progress."""
from __future__ import annotations

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from models import AuditEvent, BackgroundJob, JobStatus, MonthResult, MonthReview, MonthStatus
from tests.jobs.conftest import NOVEMBER, NOW, results_of
from worklog.errors import ServiceError
from worklog.extensions import db
from worklog.jobs import kinds, queue, runner, services

pytestmark = pytest.mark.postgres


def _close(org, unit=None, subtree=True, actor=None) -> BackgroundJob:
    job = services.start_month_close(unit or org.province, {"month": NOVEMBER, "subtree": subtree}, actor)
    db.session.commit()
    return job


def _reviews(unit) -> int:
    return db.session.scalar(select(func.count()).select_from(MonthReview).where(
        MonthReview.unit_id == unit.id, MonthReview.month == NOVEMBER))


def test_inline_runs_every_part_and_records_progress(app, org, signed):
    job = _close(org, actor=org["root_admin"])
    # Tree order: the province, then each city followed by its county.
    order = [org.province.id, org.city_a.id, org.county_a.id, org.city_b.id, org.county_b.id]
    assert (job.status, job.done, job.total, job.params["parts"]) == ("queued", 0, 5, order)
    seen = []

    def progress(unit_id, ok):
        seen.append((unit_id, ok, db.session.get(BackgroundJob, job.id).done))

    assert queue.dispatch(job.id, progress) == "inline"
    # Each part was committed with the job's count before the next began.
    assert seen == [(unit_id, True, n) for n, unit_id in enumerate(order, start=1)]
    db.session.expire_all()
    job = db.session.get(BackgroundJob, job.id)
    assert (job.status, job.done, job.total, job.error) == (JobStatus.done.value, 5, 5, "")
    assert job.units_done == order
    assert job.started_at is not None and job.finished_at >= job.started_at
    assert job.result["officers"] == {str(org.county_a.id): 7, str(org.county_b.id): 2, str(org.province.id): 0,
                                      str(org.city_a.id): 0, str(org.city_b.id): 0}
    assert len(results_of(org.county_a)) == 7
    review = db.session.scalar(select(MonthReview).where(MonthReview.unit_id == org.county_a.id))
    assert review.status == MonthStatus.computed.value
    actions = list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "background_job")
                                      .order_by(AuditEvent.id)))
    assert actions == ["job.created", "job.done"]


def test_a_failed_part_leaves_nothing_of_its_unit_and_fails_the_job(app, org, signed, monkeypatch):
    real = kinds.KINDS["month_close"].part

    def breaks_after_writing(job, unit_id):
        outcome = real(job, unit_id)  # the unit's month is opened and computed (flushed) …
        if unit_id == org.county_a.id:
            raise RuntimeError("disk full")  # … and then the part fails
        return outcome

    monkeypatch.setitem(kinds.KINDS, "month_close", kinds.Kind(part=breaks_after_writing))
    job = _close(org)
    queue.dispatch(job.id)
    db.session.expire_all()
    job = db.session.get(BackgroundJob, job.id)
    assert job.status == JobStatus.failed.value
    assert job.error == "CA1: RuntimeError: disk full"
    # The other units are independent: they were closed; County A1 has no review and no result at all.
    assert org.county_a.id not in job.units_done and job.done == 4
    assert _reviews(org.county_a) == 0 and results_of(org.county_a) == []
    assert len(results_of(org.county_b)) == 2
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "month.computed", AuditEvent.unit_id == org.county_a.id)) == 0

    # Running it again redoes only County A1: the other units' months are not computed again.
    monkeypatch.setitem(kinds.KINDS, "month_close", kinds.Kind(part=real))
    computed = {r.unit_id: r.computed_at for r in db.session.scalars(select(MonthReview))}
    services.run_again(job, {}, org["root_admin"])
    db.session.commit()
    assert job.status == JobStatus.queued.value and job.error == ""
    queue.dispatch(job.id)
    db.session.expire_all()
    job = db.session.get(BackgroundJob, job.id)
    assert (job.status, job.done, job.units_done[-1]) == (JobStatus.done.value, 5, org.county_a.id)
    assert len(results_of(org.county_a)) == 7
    assert {r.unit_id: r.computed_at for r in db.session.scalars(select(MonthReview))
            if r.unit_id != org.county_a.id} == computed


def _close_city_a_finalised_meanwhile(org) -> BackgroundJob:
    """City A's close, run after County A1's panel finalised the month between the job's start and its part."""
    job = _close(org, org.city_a)
    db.session.add(MonthReview(unit_id=org.county_a.id, month=NOVEMBER, status=MonthStatus.final.value,
                               reopened=0))
    db.session.commit()
    with force_locale("en"):
        queue.dispatch(job.id)
    db.session.expire_all()
    return db.session.get(BackgroundJob, job.id)


def test_a_refused_part_fails_the_job_with_its_message(app, org, signed):
    job = _close_city_a_finalised_meanwhile(org)
    assert job.status == JobStatus.failed.value and job.done == 1
    assert job.error.startswith("CA1: This month is final and sealed.")
    assert results_of(org.county_a) == []


def test_a_job_queued_for_a_month_not_over_fails_and_writes_nothing(app, org, signed):
    """However a close reaches its parts (a job queued by an older version, a worker whose clock is behind), a
    month still under way is neither opened nor computed."""
    job = _close(org, org.city_a)
    app.config["FIXED_NOW"] = NOW  # 25 November: the month goes on
    with force_locale("en"):
        queue.dispatch(job.id)
    db.session.expire_all()
    job = db.session.get(BackgroundJob, job.id)
    assert job.status == JobStatus.failed.value
    assert "2026-11 is not over yet: it can be opened for grading from Dec 1, 2026." in job.error
    assert _reviews(org.city_a) == _reviews(org.county_a) == 0


def test_a_job_is_refused_before_anything_is_written(app, org, signed):
    db.session.add(MonthReview(unit_id=org.county_b.id, month=NOVEMBER, status=MonthStatus.final.value,
                               reopened=0))
    db.session.commit()
    with force_locale("en"), pytest.raises(ServiceError, match="final and sealed for CB1"):
        services.start_month_close(org.province, {"month": NOVEMBER, "subtree": True}, None)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(BackgroundJob)) == 0
    # The same month of a subtree without the final county is fine.
    assert services.start_month_close(org.city_a, {"month": NOVEMBER, "subtree": True}, None).total == 2


def test_running_the_same_close_twice_gives_the_same_results(app, org, signed):
    first = _close(org)
    queue.dispatch(first.id)
    before = {unit.code: results_of(unit) for unit in (org.county_a, org.county_b)}
    rows = db.session.scalar(select(func.count()).select_from(MonthResult))
    second = _close(org)
    queue.dispatch(second.id)
    assert {unit.code: results_of(unit) for unit in (org.county_a, org.county_b)} == before
    assert db.session.scalar(select(func.count()).select_from(MonthResult)) == rows
    # And one part run twice within a job (as when a queue delivers it twice) counts once.
    job = db.session.get(BackgroundJob, second.id)
    assert runner.run_part(job.id, org.county_a.id) is True
    db.session.expire_all()
    assert db.session.get(BackgroundJob, second.id).done == 5
    assert results_of(org.county_a) == before["CA1"]


def test_run_again_is_for_failed_jobs_only(app, org, signed):
    job = _close(org, org.county_a, subtree=False)
    queue.dispatch(job.id)
    with pytest.raises(ServiceError):
        services.run_again(db.session.get(BackgroundJob, job.id), {}, None)


def test_small_units_are_closed_together_in_batches(app, org, signed):
    # Per unit first, to compare with.
    alone = _close(org)
    queue.dispatch(alone.id)
    before = {unit.code: results_of(unit) for unit in (org.county_a, org.county_b)}

    # Batches of at most 7 officers, in tree order: the province, City A, County A1 and City B (0 + 0 + 7 + 0),
    # then County B1 (2).
    app.config["JOB_BATCH_OFFICERS"] = 7
    job = _close(org)
    assert runner.batches(job) == [[org.province.id, org.city_a.id, org.county_a.id, org.city_b.id],
                                   [org.county_b.id]]
    seen = []
    queue.dispatch(job.id, lambda unit_id, ok: seen.append(
        (unit_id, ok, db.session.get(BackgroundJob, job.id).done)))
    # Progress moves batch by batch, each committed before the next began.
    assert [done for _unit, _ok, done in seen] == [4, 4, 4, 4, 5]
    db.session.expire_all()
    job = db.session.get(BackgroundJob, job.id)
    assert (job.status, job.done, job.units_done) == (JobStatus.done.value, 5, job.params["parts"])
    assert job.result["officers"] == {str(org.county_a.id): 7, str(org.county_b.id): 2, str(org.province.id): 0,
                                      str(org.city_a.id): 0, str(org.city_b.id): 0}
    assert {unit.code: results_of(unit) for unit in (org.county_a, org.county_b)} == before
    # One "month.computed" event per unit, as when each is closed alone.
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "month.computed", AuditEvent.unit_id == org.county_a.id)) == 2


def test_a_refused_unit_fails_its_whole_batch_and_nothing_of_it_is_written(app, org, signed):
    app.config["JOB_BATCH_OFFICERS"] = 100
    job = _close_city_a_finalised_meanwhile(org)
    assert job.status == JobStatus.failed.value and job.done == 0 and job.units_done == []
    assert job.error.startswith("CA, CA1: 2026-11 is final and sealed for CA1")
    assert results_of(org.county_a) == [] and _reviews(org.city_a) == 0
