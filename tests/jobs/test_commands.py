"""The commands without a queue: ``month close`` runs its job inline with a progress bar, a failed part is
reported with what was closed, and ``jobs run`` finishes a failed job."""
from __future__ import annotations

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from models import BackgroundJob, JobStatus
from tests.jobs.conftest import results_of
from worklog.extensions import db
from worklog.jobs import kinds


@pytest.fixture(autouse=True)
def english(app):
    with force_locale("en"):
        yield


@pytest.fixture
def county_a_breaks(org, monkeypatch):
    real = kinds.KINDS["month_close"].part

    def part(job, unit_id):
        outcome = real(job, unit_id)
        if unit_id == org.county_a.id:
            raise RuntimeError("disk full")
        return outcome

    monkeypatch.setitem(kinds.KINDS, "month_close", kinds.Kind(part=part))
    return lambda: monkeypatch.setitem(kinds.KINDS, "month_close", kinds.Kind(part=real))


def test_a_failed_part_is_reported_with_what_was_closed(runner, org, signed, county_a_breaks):
    result = runner.invoke(args=["month", "close", "P", "2026-11", "--subtree"])
    assert result.exit_code == 1
    assert "CA1: RuntimeError: disk full (already closed: P: 0 officers; CA: 0 officers; CB: 0 officers; " \
           "CB1: 2 officers)" in result.output
    job = db.session.scalar(select(BackgroundJob))
    assert (job.status, job.done, job.total) == (JobStatus.failed.value, 4, 5)
    assert results_of(org.county_a) == []

    county_a_breaks()  # mended
    result = runner.invoke(args=["jobs", "run", str(job.id)])
    assert result.exit_code == 0, result.output
    assert f"Job {job.id}: done, 5 of 5 parts done." in result.output
    assert len(results_of(org.county_a)) == 7


def test_jobs_run_refuses_a_missing_job(runner, org):
    result = runner.invoke(args=["jobs", "run", "42"])
    assert result.exit_code == 1 and "No job 42" in result.output
