"""Every page its reader opens most runs at most ten SQL statements per request, signed in and with CSRF on as in a
browser, and the same number whatever the number of rows it shows (a week of 4 entries or of 30, a unit of two
departments or of five).

The data is the demo (``flask demo``): a city bureau with three counties, 128 people, months of entries, signed weeks
and final months, loaded once per backend and copied for each test.
"""
from __future__ import annotations

import os
import re
import secrets
import shutil
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Callable

import pytest
from sqlalchemy import create_engine, event, make_url, select, text

from models import Department, Person, TaskType, Unit
from tests.conftest import BACKENDS, TEST_CONFIG, RequestClient, scratch_postgres
from worklog import create_app, demo, migrate
from worklog.extensions import db

LIMIT = 10
#: Tuesday 10 November 2026, 20:00 in Shanghai: the demo's current week has begun, last week waits to be signed.
NOW = datetime(2026, 11, 10, 12, 0, tzinfo=timezone.utc)
TODAY = date(2026, 11, 10)
MONDAY = date(2026, 11, 9)
MONTH = "2026-10"

pytestmark = pytest.mark.slow


def _config(url: str) -> dict:
    return {**TEST_CONFIG, "DATABASE_URL": url, "FIXED_NOW": NOW, "WTF_CSRF_ENABLED": True}


@pytest.fixture(scope="module", params=BACKENDS)
def demo_database(request, tmp_path_factory):
    """The demo loaded once per backend: (backend, url of the loaded database)."""
    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.startswith("WORKLOG_") or name in ("SECRET_KEY", "DATABASE_URL", "DATABASE_REPLICA_URL",
                                                        "REDIS_URL"):
                patch.delenv(name)
        patch.setenv("WORKLOG_INSTANCE_PATH", str(tmp_path_factory.mktemp("instance")))
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}"
            engine = create_engine(url)
            migrate.upgrade(engine)
            engine.dispose()
            _load_demo(url)
            yield request.param, url
        else:
            with scratch_postgres("_demo") as url:
                _load_demo(url)
                yield request.param, url


def _load_demo(url: str) -> None:
    app = create_app(_config(url))
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["demo"])
        assert result.exit_code == 0, result.output
        db.session.close()
        db.engine.dispose()


@pytest.fixture
def demo_app(demo_database, tmp_path, monkeypatch):
    """An app on a copy of the demo, so that what a test adds stays its own."""
    backend, url = demo_database
    if backend == "sqlite":
        path = tmp_path / "demo.db"
        shutil.copy(make_url(url).database, path)
        copy_url, drop = f"sqlite:///{path}", None
    else:
        source = make_url(url)
        name = f"{source.database}_copy_{secrets.token_hex(3)}"
        admin = create_engine(source.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{source.database}"'))
        copy_url = source.set(database=name).render_as_string(hide_password=False)

        def drop():
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    app = create_app(_config(copy_url))
    app.test_client_class = RequestClient
    with app.app_context():
        yield app
        db.session.close()
        db.engine.dispose()
    if drop is not None:
        drop()


class Statements:
    """SQL statements the app's engine sends (a ``before_cursor_execute`` listener, as bench/server.py counts them;
    SQLite's BEGIN, which the driver sends itself on PostgreSQL, is counted on neither)."""

    def __init__(self):
        self.sent: list[str] = []
        event.listen(db.engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn, _cursor, statement: str, *_args) -> None:
        if not statement.startswith("BEGIN"):
            self.sent.append(statement)

    def close(self) -> None:
        event.remove(db.engine, "before_cursor_execute", self._seen)


def signed_in(app, badge: str) -> RequestClient:
    """A browser signed in through the sign-in form, its CSRF token included."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN,zh;q=0.9"
    form = client.get("/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    response = client.post("/sign-in", data={"badge": badge, "password": demo.DEMO_PASSWORD, "csrf_token": token})
    assert response.status_code == 302, response.status
    return client


@dataclass
class Visit:
    status: int
    statements: list[str]
    size: int


def visit(client: RequestClient, path: str) -> Visit:
    """The page's statements on its second request (the first may fill what a worker keeps, such as templates)."""
    client.get(path)
    counter = Statements()
    try:
        response = client.get(path)
    finally:
        counter.close()
    return Visit(response.status_code, counter.sent, len(response.get_data()))


# --- The demo's people and places ---------------------------------------------------------------------------------


def person(badge: str) -> Person:
    return db.session.scalar(select(Person).where(Person.badge == badge))


def unit(code: str) -> Unit:
    return db.session.scalar(select(Unit).where(Unit.code == code))


def department(unit_code: str, code: str) -> Department:
    return db.session.scalar(select(Department).where(Department.unit_id == unit(unit_code).id,
                                                      Department.code == code))


def log_today(badge: str, entries: int) -> None:
    """``entries`` more entries on today's page of the officer, through the service a form post calls."""
    from worklog.catalog import queries as catalog
    from worklog.daily import services
    officer = person(badge)
    assignment = officer.assignment_on(TODAY)
    tasks = [db.session.get(TaskType, o.id) for o in catalog.task_options(assignment, officer.id, TODAY)]
    assert tasks, "the officer's post has tasks"
    for i in range(entries):
        services.add_entry(officer, {"work_date": TODAY, "task_type": tasks[i % len(tasks)], "quantity": Decimal("0.1"),
                                     "hours": Decimal("0"), "description": f"entry {i}", "completion": "done"},
                           officer)
    db.session.commit()


def more_people(unit_code: str, department_code: str, n: int) -> None:
    from tests.factories import make_person
    place = department(unit_code, department_code)
    post = person(demo.ACCOUNTS["officer"]).assignment_on(TODAY).post
    for i in range(n):
        # Placed from today: a placement dated back into the demo's final months would be refused.
        make_person(f"39{i:04d}", f"New officer {i}", place, post, valid_from=TODAY)
    db.session.commit()


def more_team(n: int) -> None:
    """``n`` more officers under the demo supervisor since last Monday, each with a day logged and submitted
    then: the supervisor's home lists their weeks."""
    from tests.factories import make_person
    from worklog.daily import services
    from worklog.weekly.queries import week_of
    supervisor = person(demo.ACCOUNTS["supervisor"])
    place = supervisor.assignment_on(TODAY)
    post = person(demo.ACCOUNTS["officer"]).assignment_on(TODAY).post
    monday = week_of(TODAY) - timedelta(days=7)
    day = max(monday, TODAY - timedelta(days=6))  # within the back-fill window
    task = None
    for i in range(n):
        officer = make_person(f"38{i:04d}", f"Team officer {i}", place.department, post, supervisor,
                              valid_from=monday)
        if task is None:
            from worklog.catalog import queries as catalog
            task = db.session.get(TaskType, catalog.task_options(officer.assignment_on(monday), officer.id,
                                                                 monday)[0].id)
        services.add_entry(officer, {"work_date": day, "task_type": task, "quantity": Decimal("1"),
                                     "hours": Decimal("0"), "description": "", "completion": "done"}, officer)
        services.submit_day(officer, day, "done", officer)
    db.session.commit()


# --- The pages ----------------------------------------------------------------------------------------------------


@dataclass
class Page:
    """A page, its reader, and two ways to see it with fewer and with more rows: ``grow`` adds rows to the same
    address, or ``larger`` is the same page of a bigger object."""
    who: str
    path: Callable[[], str]
    grow: Callable[[], None] | None = None
    larger: Callable[[], str] | None = None


def _officer_id() -> int:
    return person(demo.ACCOUNTS["officer"]).id


PAGES = {
    "officer_day": Page("officer", lambda: f"/day/{TODAY}", grow=lambda: log_today(demo.ACCOUNTS["officer"], 26)),
    "officer_home": Page("officer", lambda: "/", grow=lambda: log_today(demo.ACCOUNTS["officer"], 26)),
    "officer_ledger": Page("officer", lambda: f"/ledger/{TODAY:%Y-%m}",
                           grow=lambda: log_today(demo.ACCOUNTS["officer"], 26)),
    "supervisor_home": Page("supervisor", lambda: "/", grow=lambda: more_team(8)),
    "review_queue": Page("supervisor", lambda: f"/review?week={MONDAY}",
                         grow=lambda: (log_today(demo.ACCOUNTS["officer"], 26), log_today("310003", 10))),
    "review_week": Page("supervisor", lambda: f"/review/{_officer_id()}/{MONDAY}",
                        grow=lambda: log_today(demo.ACCOUNTS["officer"], 26)),
    "ledger_unit": Page("hr", lambda: f"/ledgers/units/{unit('C01-D').id}/{MONTH}",
                        larger=lambda: f"/ledgers/units/{unit('C01').id}/{MONTH}"),
    "ledger_departments": Page("hr", lambda: f"/ledgers/units/{unit('C01').id}/{MONTH}/departments",
                               larger=lambda: f"/ledgers/units/{unit('C01-D').id}/{MONTH}/departments"),
    "ledger_department_officers": Page(
        "hr", lambda: f"/ledgers/departments/{department('C01-D', 'BGS').id}/{MONTH}",
        larger=lambda: f"/ledgers/departments/{department('C01-D', 'PCS1').id}/{MONTH}"),
    "admin_people": Page("admin", lambda: f"/admin/people?unit={unit('C01-X').id}",
                         grow=lambda: more_people("C01-X", "PCS1", 30)),
}


def _listing(visit_: Visit) -> str:
    return "\n".join(f"  {re.sub(r'[ ]+', ' ', s)[:150]}" for s in visit_.statements)


@pytest.mark.parametrize("name", PAGES)
def test_a_page_runs_at_most_ten_statements_whatever_its_rows(demo_app, name):
    page = PAGES[name]
    client = signed_in(demo_app, demo.ACCOUNTS[page.who])
    fewer = visit(client, page.path())
    assert fewer.status == 200
    assert len(fewer.statements) <= LIMIT, f"{name}: {len(fewer.statements)} statements\n{_listing(fewer)}"
    if page.grow is not None:
        page.grow()
        more = visit(client, page.path())
    else:
        more = visit(client, page.larger())
    assert more.status == 200
    assert more.size > fewer.size, "the second visit shows more rows"
    # Never more: a day without a log yet reads the calendar for its deadline, one with a log does not.
    assert len(more.statements) <= len(fewer.statements), \
        f"{name}: {len(fewer.statements)} statements, then {len(more.statements)} with more rows\n{_listing(more)}"
