"""The web tier keeps no state of its own: two gunicorn instances on one PostgreSQL database serve the same
people. Signed in on one, an officer goes on on the other (CSRF token and sign-in included), and each server
sees at once what the other saved."""
from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from sqlalchemy import func, select

from models import Entry
from tests.conftest import PG_URL
from tests.daily.conftest import NOW, TODAY, catalog  # noqa: F401  (the day fixtures, shared)
from tests.factories import PASSWORD
from worklog import ROOT
from worklog.extensions import db

pytestmark = pytest.mark.skipif(not PG_URL, reason="two servers share a PostgreSQL database (TEST_DATABASE_URL)")
pytest.importorskip("gunicorn")


@pytest.fixture
def database_url(pg_database):
    """PostgreSQL only, whatever the suite's other backends."""
    from tests.conftest import _empty_postgres
    yield pg_database
    _empty_postgres(pg_database)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(app, port: int) -> subprocess.Popen:
    env = {name: value for name, value in os.environ.items() if not name.startswith("WORKLOG_")}
    # Production settings but for the test's database, clock and (shared) secret key; CSRF stays on.
    env.update(DATABASE_URL=app.config["DATABASE_URL"], SECRET_KEY=app.config["SECRET_KEY"],
               WORKLOG_FIXED_NOW=NOW.isoformat(), WORKLOG_INSTANCE_PATH=app.instance_path)
    return subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", "1", "--bind", f"127.0.0.1:{port}",
                             "app:app"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)


def _wait(server: subprocess.Popen, base: str) -> None:
    for _ in range(300):
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn stopped: {server.stderr.read()}")
        try:
            urllib.request.urlopen(f"{base}/sign-in", timeout=10).close()
            return
        except OSError:  # not listening yet, or still starting the app
            time.sleep(0.1)
    raise RuntimeError("gunicorn did not answer")


@pytest.fixture
def two_servers(app, org, catalog):
    db.session.commit()
    ports = [_free_port(), _free_port()]
    servers = [_start(app, port) for port in ports]
    try:
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        for server, base in zip(servers, bases):
            _wait(server, base)
        yield bases
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            server.stderr.close()


class Browser:
    """One person's browser: its cookies go to whichever server it asks."""

    def __init__(self):
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def copy(self) -> Browser:
        """Another browser holding the same cookies (a stolen or stale session cookie)."""
        other = Browser()
        for cookie in self.cookies:
            other.cookies.set_cookie(cookie)
        return other

    def get(self, url: str) -> tuple[int, str]:
        with self.opener.open(urllib.request.Request(url, headers={"Accept-Language": "en"}), timeout=30) as reply:
            return reply.status, reply.read().decode()

    def post(self, url: str, data: dict, referer: str) -> tuple[int, str]:
        request = urllib.request.Request(url, data=urllib.parse.urlencode(data).encode(), method="POST",
                                         headers={"Accept-Language": "en", "Referer": referer})
        try:
            with self.opener.open(request, timeout=30) as reply:
                return reply.status, reply.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()


def _token(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def test_signed_in_on_one_server_the_officer_goes_on_on_the_other(two_servers, org, catalog):
    first, second = two_servers
    officer = Browser()
    _status, page = officer.get(f"{first}/sign-in")
    status, page = officer.post(f"{first}/sign-in", {"csrf_token": _token(page), "badge": org["officer_a"].badge,
                                                     "password": PASSWORD}, f"{first}/sign-in")
    assert status == 200 and "Sign out" in page  # followed the redirect home, signed in

    # The other server knows the sign-in, and takes a form whose token the first server's session holds.
    day = f"/day/{TODAY.isoformat()}"
    status, page = officer.get(f"{second}{day}")
    assert status == 200 and "Sign out" in page
    status, page = officer.post(f"{second}{day}/entries", {
        "csrf_token": _token(page), "task_type": catalog["T1"].id, "quantity": "2", "hours": "1",
        "completion": "done", "description": "patrol saved on the second server"}, f"{second}{day}")
    assert status == 200, page
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Entry)) == 1

    # The first server shows it at once. Signing out on the first ends the sign-in on both: even the same
    # cookie, kept from before, no longer opens the day on the second.
    status, page = officer.get(f"{first}{day}")
    assert "patrol saved on the second server" in page
    kept = officer.copy()
    status, page = officer.post(f"{first}/sign-out", {"csrf_token": _token(page)}, f"{first}{day}")
    assert status == 200
    _status, page = kept.get(f"{second}{day}")
    assert "patrol saved on the second server" not in page and 'name="password"' in page
