"""``flask ledger check|rebuild`` and ``flask month close``: the ledger roll-ups and closing months in bulk."""
from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from models import MonthReview, MonthStatus, Unit
from worklog import timekeeping
from worklog.errors import ServiceError
from worklog.extensions import db
from worklog.ledgers import queries, services as ledgers
from worklog.monthly import services as monthly


def _month_option(text: str | None):
    if text is None:
        return None
    month = queries.parse_month(text)
    if month is None:
        raise click.BadParameter("give the month as YYYY-MM", param_hint="--month")
    return month


@click.group("ledger", help="The ledger roll-ups (department, department × category, unit per month).")
def ledger_group() -> None:
    pass


@ledger_group.command("check", help="Recompute the roll-ups from the entries of signed weeks and list every "
                                    "difference; check that every signed week holds approved entries only, all "
                                    "counted by its signature. Exit status 1 when there is any difference.")
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


@ledger_group.command("rebuild", help="Recompute every roll-up from the entries of signed weeks.")
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
                                   "is refused and nothing is changed.")
@click.argument("unit_code")
@click.argument("month_text", metavar="YYYY-MM")
@click.option("--subtree", is_flag=True, help="Also every active unit under UNIT_CODE.")
@with_appcontext
def close(unit_code: str, month_text: str, subtree: bool) -> None:
    month = queries.parse_month(month_text)
    if month is None:
        raise click.BadParameter("give the month as YYYY-MM", param_hint="YYYY-MM")
    unit = db.session.scalar(select(Unit).where(Unit.code == unit_code))
    if unit is None:
        raise click.ClickException(f"No unit with code {unit_code}.")
    units = [unit]
    if subtree:
        units += db.session.scalars(select(Unit).where(Unit.path.startswith(unit.path, autoescape=True),
                                                       Unit.id != unit.id, Unit.active.is_(True))
                                    .order_by(Unit.path))
    # Refuse before anything is written: each unit is committed on its own, so a refusal half-way would
    # leave the others closed.
    if month > timekeeping.today():
        raise click.ClickException(f"{month:%Y-%m} has not begun; nothing was changed.")
    final = list(db.session.scalars(select(Unit.code).join(MonthReview, MonthReview.unit_id == Unit.id).where(
        MonthReview.unit_id.in_([u.id for u in units]), MonthReview.month == month,
        MonthReview.status == MonthStatus.final.value).order_by(Unit.code)))
    if final:
        raise click.ClickException(
            f"{month:%Y-%m} is final and sealed for {', '.join(final)}: the panel must reopen it, with a reason, "
            "before it can be computed again. Nothing was changed.")
    ids = [(u.id, u.code) for u in units]
    done = []
    with click.progressbar(ids, label=f"Closing {month:%Y-%m}", item_show_func=lambda i: i[1] if i else "") as bar:
        for unit_id, code in bar:
            try:
                review = monthly.open_month(db.session.get(Unit, unit_id), month, None)
                officers = monthly.compute(review, None)
                db.session.commit()
            except ServiceError as error:
                db.session.rollback()
                closed = "; ".join(f"{c}: {n} officers" for c, n in done) or "none"
                raise click.ClickException(f"{code}: {error.message} (already closed: {closed})")
            done.append((code, officers))
            db.session.expunge_all()  # a province holds many units: keep the session small
    for code, officers in done:
        click.echo(f"{code}: {officers} officers")
