"""``flask --app app synthetic province``: a whole synthetic province from a seed, for benchmarks and trials."""
from __future__ import annotations

import time
from datetime import time as clock, timedelta

import click
from flask import current_app
from flask.cli import with_appcontext


@click.group("synthetic", help="Synthetic data at the province's size, generated from a seed, for benchmarks.")
def synthetic_group() -> None:
    pass


@synthetic_group.command("province", help=(
    "Fill an empty, migrated database with a synthetic province: 144 units, their departments and officers "
    "(about 100,000 × SCALE) with supervisors, panels and roles; a month of work with every complete week "
    "signed; the twelve months before it final; the year before's annual results; the month's survey calls. "
    "The same seed and scale give the same data."))
@click.option("--scale", type=click.FloatRange(min=0.0001, max=5.0), default=1.0, show_default=True,
              help="1.0 is the whole province (about 100,000 officers, 9 million entries); 0.01 about 1,000 officers.")
@click.option("--seed", type=int, default=1, show_default=True, help="The seed every random choice comes from.")
@click.option("--month", "month_text", metavar="YYYY-MM",
              help="The month of work (default: the last complete month).")
@click.option("--password", default=None, help="The password of every account (default: the demo's).")
@with_appcontext
def province_command(scale: float, seed: int, month_text: str | None, password: str | None) -> None:
    # Imported here so that `flask --app app …` starts without the generator.
    from worklog import timekeeping
    from worklog.auth.passwords import hash_password
    from worklog.demo import DEMO_PASSWORD
    from worklog.extensions import db
    from worklog.ledgers.queries import parse_month
    from worklog.synthetic import province

    this_month = timekeeping.today().replace(day=1)
    if month_text is None:
        month = (this_month - timedelta(days=1)).replace(day=1)
    else:
        month = parse_month(month_text)
        if month is None:
            raise click.BadParameter("give the month as YYYY-MM", param_hint="--month")
    if month >= this_month:
        raise click.ClickException(f"{month:%Y-%m} is not over yet: give a month before {this_month:%Y-%m}.")
    password = password or DEMO_PASSWORD
    hour, minute = (int(x) for x in current_app.config["DAY_DEADLINE"].split(":"))

    started = time.perf_counter()
    with db.engine.connect() as connection:
        with connection.begin():
            found = province.existing_rows(connection)
            if found:
                what = ", ".join(f"{count:,} {table}" for table, count in found.items())
                raise click.ClickException(
                    f"The database is not empty (it holds {what}); a province is generated only into an empty, "
                    "migrated database. Nothing was changed.")
            settings = province.Settings(
                month=month, scale=scale, seed=seed, password_hash=hash_password(password),
                protect_phone=_phone_protector(), timezone=current_app.config["BABEL_DEFAULT_TIMEZONE"],
                day_deadline=clock(hour, minute))
            click.echo(f"Generating a province at scale {scale:g} from seed {seed}, month {month:%Y-%m}.")
            result = province.generate(connection, settings, _progress)
            click.echo("Committing…")
    elapsed = time.perf_counter() - started
    click.echo("Rows written:")
    for table, count in result.counts.items():
        click.echo(f"  {table:<28} {count:>12,}")
    click.echo("Seconds spent:")
    for phase, seconds in result.timings.items():
        click.echo(f"  {phase:<28} {seconds:>12.1f}")
    click.echo(f"Done in {elapsed:.1f} s. Every account's password: {password}")
    click.echo("Accounts to sign in with:")
    for role, badge in result.accounts.items():
        click.echo(f"  {role:<28} {badge}")


def _progress(label: str, units):
    return click.progressbar(units, label=f"{label:<13}", item_show_func=lambda u: u.code if u else "")


def _phone_protector():
    """Phone numbers stored as the survey stores them (worklog/survey/phones.py: Fernet under the app's key, the
    keyed hash), but with the timestamp and IV given, so that the same seed gives the same cipher text."""
    from worklog.survey import phones
    fernet = phones._fernet()

    def protect(number: str, at: int, iv: bytes) -> tuple[str, str]:
        token = fernet._encrypt_from_parts(number.encode(), at, iv)
        return token.decode("ascii"), phones.phone_hash(number)
    return protect
