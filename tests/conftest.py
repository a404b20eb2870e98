"""Test fixtures: every app-level test runs on SQLite; with TEST_DATABASE_URL set, the tests whose module (or
function) is marked ``postgres`` run on PostgreSQL too: locks, triggers, upserts, partitions, aggregates' types and
the other places where the two databases behave differently. ``TEST_EVERYTHING_ON_POSTGRES=1`` runs every test on
both, for a deep check before a release.

The schema is always made by the migrations. SQLite: migrated once into a template file, copied per
test. PostgreSQL: migrated once per run into a scratch database, emptied after each test.
"""
from __future__ import annotations

import os
import secrets
import shutil
from contextlib import contextmanager

import pytest
from flask.testing import FlaskClient
from hypothesis import settings
from sqlalchemy import create_engine, make_url, text

from models import Base
from worklog import create_app, migrate
from worklog.config import normalise_database_url

# Property tests draw the same examples on every run, so that a run that passed passes again (CI decides what
# lands); HYPOTHESIS_PROFILE=explore draws new ones, to look for what the fixed draw misses.
settings.register_profile("fixed", derandomize=True, database=None)
settings.register_profile("explore", max_examples=500)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fixed"))

PG_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
EVERYTHING_ON_POSTGRES = os.environ.get("TEST_EVERYTHING_ON_POSTGRES") == "1"
PASSWORD = "Correct-Horse-42"

TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret",
    "WTF_CSRF_ENABLED": False,
    # Fast hashing in tests; production uses the RFC 9106 parameters.
    "ARGON2_TIME_COST": 1,
    "ARGON2_MEMORY_COST": 1024,
    "ARGON2_PARALLELISM": 1,
    # The events feed shows events at once (tests/api/test_api_reads.py checks the settling apart).
    "API_EVENTS_SETTLE_SECONDS": 0,
}


def pytest_collection_modifyitems(config, items):
    """Drop the PostgreSQL run of each test not marked ``postgres``: where the database's behaviour does not
    matter, one run on SQLite is enough (and keeps CI's time)."""
    if EVERYTHING_ON_POSTGRES:
        return
    kept, dropped = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        on_postgres = callspec is not None and "postgresql" in callspec.params.values()
        (dropped if on_postgres and item.get_closest_marker("postgres") is None else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = create_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    return path


@contextmanager
def scratch_postgres(label: str = ""):
    """A migrated database beside TEST_DATABASE_URL's, made for the caller and dropped after it, so that
    several runs (or developers) can share one server."""
    base = make_url(normalise_database_url(PG_URL))
    name = f"{base.database}{label}_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name).render_as_string(hide_password=False)
    engine = create_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def pg_database():
    """The run's PostgreSQL database, emptied after each test."""
    if not PG_URL:
        pytest.skip("TEST_DATABASE_URL is not set")
    with scratch_postgres() as url:
        yield url


def _empty_postgres(url: str) -> None:
    engine = create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path):
    if request.param == "sqlite":
        path = tmp_path / "worklog.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("pg_database")
        yield url
        _empty_postgres(url)


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch, tmp_path):
    """Tests read neither the developer's instance/config.py nor their WORKLOG_* settings (nor their REDIS_URL:
    jobs run inline unless a test sets up a queue of its own)."""
    for name in list(os.environ):
        if name.startswith("WORKLOG_") or name in ("SECRET_KEY", "DATABASE_URL", "DATABASE_REPLICA_URL", "REDIS_URL"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("WORKLOG_INSTANCE_PATH", str(tmp_path / "instance"))


@pytest.fixture
def app(database_url):
    app = create_app({**TEST_CONFIG, "DATABASE_URL": database_url})
    with app.app_context():
        yield app
        from worklog.extensions import db
        db.session.close()
        db.engine.dispose()


class RequestClient(FlaskClient):
    """A test client whose every request runs in an app context of its own, as in production.

    The test's own context stays pushed for its database reads; without this, Flask would reuse it for
    each request and ``g`` (the request's session, its rollback flag, cached grants) would leak from one
    request to the next. Around each request the test's session ends its transaction and forgets what it
    had read, so the test sees what the request committed (SQLite readers keep a snapshot otherwise).
    """

    def open(self, *args, **kwargs):
        from worklog.extensions import db
        outer = db.session
        outer.commit()
        try:
            with self.application.app_context():
                return super().open(*args, **kwargs)
        finally:
            outer.expire_all()


@pytest.fixture
def client(app):
    app.test_client_class = RequestClient
    client = app.test_client()
    # English unless a test asks otherwise: messages are asserted in the source language.
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def org(app):
    """A small province: two cities, a county under each, departments, posts and people with roles."""
    from tests.factories import build_org
    return build_org()


@pytest.fixture
def new_client(app, client):
    """new_client() → another browser, of the same kind as the ``client`` fixture's."""
    def make():
        other = app.test_client()
        other.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        return other
    return make
