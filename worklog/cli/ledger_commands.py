"""``flask ledger check|rebuild`` and ``flask month close``: the ledger roll-ups and closing months in bulk."""
from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from models import BackgroundJob, JobStatus, Unit
from worklog.errors import ServiceError
from worklog.extensions import db
from worklog.ledgers import queries, services as ledgers


def _month_option(text: str | None):
    if text is None:
        return None
    month = queries.parse_month(text)
    if month is None:
        raise click.BadParameter("give the month as YYYY-MM", param_hint="--month")
    return month


@click.group("ledger", help="The ledger roll-ups (department, department × category, unit per month) and leadership's "
                            "(a unit's results by grade, officers' weeks by unit).")
def ledger_group() -> None:
    pass


@ledger_group.command("check", help="Recompute the roll-ups from the entries of signed weeks (leadership's from the "
                                    "results, day logs and week rows) and list every difference; check that every "
                                    "signed week holds approved entries only, all counted by its signature. Exit "
                                    "status 1 when there is any difference.")
@click.option("--month", "month_text", metavar="YYYY-MM", help="Check this month only (default: every month).")
@with_appcontext
def check(month_text: str | None) -> None:
    found = queries.differences(_month_option(month_text))
    db.session.rollback()
    for difference in found:
        click.echo(str(difference))
    if found:
        click.echo(f"{len(found)} difference(s).", err=True)
        if any(d.table != "week_review" for d in found):
            click.echo("`flask --app app ledger rebuild` recomputes every roll-up.", err=True)
        if any(d.table == "week_review" for d in found):
            click.echo("A signed week that does not match its entries must be reopened by the unit's panel, with "
                       "a reason, and signed again.", err=True)
        raise SystemExit(1)
    click.echo("No differences: the ledgers and the signed weeks match the entries.")


@ledger_group.command("rebuild", help="Recompute every roll-up from the entries of signed weeks, and leadership's "
                                      "from the results, day logs and week rows.")
@with_appcontext
def rebuild() -> None:
    ledgers.refresh_all()
    db.session.commit()
    click.echo("Ledger roll-ups rebuilt from the entries.")


@click.group("month", help="The unit's month (月评月审) from the command line.")
def month_group() -> None:
    pass


@month_group.command("close", help="Open and compute the month of the unit UNIT_CODE (with --subtree, of every "
                                   "active unit under it too): scores and grades of every officer. A final month "
                                   "is refused and nothing is changed. Runs as a background job, one part per "
                                   "unit: on the RQ workers when REDIS_URL is set (the progress bar follows them), "
                                   "here otherwise.")
@click.argument("unit_code")
@click.argument("month_text", metavar="YYYY-MM")
@click.option("--subtree", is_flag=True, help="Also every active unit under UNIT_CODE.")
@with_appcontext
def close(unit_code: str, month_text: str, subtree: bool) -> None:
    from worklog.jobs import services as jobs
    from worklog.jobs.queue import dispatch, uses_queue
    month = queries.parse_month(month_text)
    if month is None:
        raise click.BadParameter("give the month as YYYY-MM", param_hint="YYYY-MM")
    unit = db.session.scalar(select(Unit).where(Unit.code == unit_code))
    if unit is None:
        raise click.ClickException(f"No unit with code {unit_code}.")
    try:
        job = jobs.start_month_close(unit, {"month": month, "subtree": subtree}, None)
    except ServiceError as error:
        db.session.rollback()
        raise click.ClickException(error.message)
    job_id, total = job.id, job.total
    codes = dict(db.session.execute(select(Unit.id, Unit.code).where(Unit.id.in_(job.params["parts"]))).all())
    db.session.commit()
    with click.progressbar(length=total, label=f"Closing {month:%Y-%m}", show_pos=True,
                           item_show_func=lambda code: code) as bar:
        if uses_queue():
            click.echo(f" job {job_id} queued; `flask --app app jobs worker` runs it (Ctrl+C stops watching, "
                       "not the job)", err=True)
            dispatch(job_id)
            job = follow(job_id, bar)
        else:
            job = _run_here(job_id, bar, codes)
    officers = job.result.get("officers", {})
    done = [(codes.get(unit_id, str(unit_id)), officers.get(str(unit_id), 0)) for unit_id in job.params["parts"]
            if unit_id in job.units_done]
    if job.status == JobStatus.failed.value:
        closed = "; ".join(f"{c}: {n} officers" for c, n in done) or "none"
        raise click.ClickException(f"{job.error} (already closed: {closed})")
    for code, count in done:
        click.echo(f"{code}: {count} officers")


def _run_here(job_id: int, bar, codes: dict[int, str]) -> BackgroundJob:
    """No queue: the parts run in this process, the bar moving after each."""
    from worklog.jobs.queue import dispatch

    def step(unit_id: int, _ok: bool) -> None:
        db.session.expunge_all()  # a province holds many units: keep the session small
        bar.update(1, codes.get(unit_id, ""))
    dispatch(job_id, step)
    return db.session.get(BackgroundJob, job_id)


def follow(job_id: int, bar, interval: float = 0.5) -> BackgroundJob:
    """Follow a job run by the workers until it ends, moving the bar as its parts finish."""
    import time
    shown = 0
    while True:
        job = db.session.get(BackgroundJob, job_id, populate_existing=True)
        done, finished = job.done, job.finished
        db.session.rollback()  # hold no transaction (on SQLite: no lock) while the workers write
        if done > shown:
            bar.update(done - shown)
            shown = done
        if finished:
            return db.session.get(BackgroundJob, job_id)
        time.sleep(interval)
