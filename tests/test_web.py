"""Web safety: cookies, CSRF, no changes on GET, security headers, plain error pages, CSP-clean templates."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Response
from sqlalchemy import func, select, text

from models import AuditEvent, LoginAttempt, LoginSession
from worklog import ROOT, create_app
from worklog.auth.passwords import verify_password
from worklog.extensions import db
from tests.auth_helpers import browser, csrf_token, is_signed_in, open_sessions, page
from tests.conftest import TEST_CONFIG
from tests.factories import PASSWORD, sign_in

NEW_PASSWORD = "Tall-Lantern-Ridge-7"
OFFICER, ADMIN = "200002", "100002"
#: Policies that keep the Referer from other sites' eyes yet send it to this one (CSRF checks it over HTTPS).
SENDS_SAME_ORIGIN_REFERER = ("same-origin", "strict-origin", "strict-origin-when-cross-origin")


@pytest.fixture
def client(app):
    return browser(app)


@pytest.fixture
def failing_app(app):
    """The app with routes that fail or download, added before its first request as Flask requires."""
    def divide():
        return str(1 / 0)

    def bad_query():
        db.session.execute(text("SELECT secret_column FROM no_such_table"))
        return "unreachable"

    def download():
        return Response("badge,name\r\n200002,Officer A\r\n", mimetype="text/csv")

    app.add_url_rule("/boom", "boom", divide)
    app.add_url_rule("/boom-sql", "boom_sql", bad_query)
    app.add_url_rule("/test-download", "test_download", download)
    # TESTING propagates unhandled exceptions; the error handler must answer as in production.
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


@pytest.fixture
def csrf_app(app):
    app.config["WTF_CSRF_ENABLED"] = True
    return app


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _cookie_attributes(response, name: str) -> dict[str, str]:
    headers = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(name + "=")]
    assert len(headers) == 1, response.headers.getlist("Set-Cookie")
    attributes = {}
    for part in headers[0].split(";")[1:]:
        key, _, value = part.strip().partition("=")
        attributes[key.lower()] = value
    return attributes


# --- Session cookie -------------------------------------------------------------------------------------


def test_the_session_cookie_is_httponly_and_samesite_lax(app, client, org):
    response = sign_in(client, OFFICER)
    attributes = _cookie_attributes(response, app.config["SESSION_COOKIE_NAME"])
    assert "httponly" in attributes
    assert attributes["samesite"].lower() == "lax"
    assert "secure" not in attributes  # plain HTTP in development: a Secure cookie would never come back


def test_behind_https_the_session_cookie_is_secure(app, database_url, tmp_path, org):
    https_app = create_app({**TEST_CONFIG, "HTTPS": True, "DATABASE_URL": database_url})
    https_app.instance_path = str(tmp_path)
    try:
        client = browser(https_app)
        response = client.post("/sign-in", data={"badge": OFFICER, "password": PASSWORD},
                               base_url="https://localhost")
        assert response.status_code == 302
        attributes = _cookie_attributes(response, https_app.config["SESSION_COOKIE_NAME"])
        assert "secure" in attributes and "httponly" in attributes
        assert attributes["samesite"].lower() == "lax"
        assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    finally:
        with https_app.app_context():
            db.engine.dispose()


@pytest.mark.parametrize("referer, status", [("https://localhost/sign-in", 302), (None, 400),
                                             ("https://evil.example/sign-in", 400),
                                             ("http://localhost/sign-in", 400)])
def test_behind_https_forms_must_come_from_this_site(database_url, tmp_path, org, referer, status):
    """The Referrer-Policy must let the browser send the Referer that Flask-WTF checks over HTTPS."""
    https_app = create_app({**TEST_CONFIG, "HTTPS": True, "DATABASE_URL": database_url,
                            "WTF_CSRF_ENABLED": True})
    https_app.instance_path = str(tmp_path)
    try:
        client = browser(https_app)
        form_page = client.get("/sign-in", base_url="https://localhost")
        assert form_page.headers["Referrer-Policy"] in SENDS_SAME_ORIGIN_REFERER
        token = page(form_page).find("form", action="/sign-in").find("input", attrs={"name": "csrf_token"})
        headers = {"Referer": referer} if referer else {}
        response = client.post("/sign-in", base_url="https://localhost", headers=headers,
                               data={"csrf_token": token["value"], "badge": OFFICER, "password": PASSWORD})
        assert response.status_code == status
    finally:
        with https_app.app_context():
            db.engine.dispose()


def test_https_can_be_switched_on_from_the_environment(database_url, monkeypatch):
    monkeypatch.setenv("WORKLOG_HTTPS", "1")
    https_app = create_app({**TEST_CONFIG, "DATABASE_URL": database_url})
    assert https_app.config["SESSION_COOKIE_SECURE"] is True
    assert https_app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert https_app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    with https_app.app_context():
        db.engine.dispose()


def test_no_strict_transport_security_over_plain_http(client, org):
    assert "Strict-Transport-Security" not in client.get("/sign-in").headers


# --- CSRF -----------------------------------------------------------------------------------------------


def _sign_in_with_token(client, badge: str, password: str = PASSWORD):
    token = csrf_token(client, "/sign-in")
    return client.post("/sign-in", data={"csrf_token": token, "badge": badge, "password": password})


def _post_sign_in(app, org):
    client = browser(app)
    sessions, attempts, events = _count(LoginSession), _count(LoginAttempt), _count(AuditEvent)
    response = client.post("/sign-in", data={"badge": OFFICER, "password": PASSWORD})

    def unchanged():
        assert _count(LoginSession) == sessions and _count(LoginAttempt) == attempts
        assert _count(AuditEvent) == events
        assert not is_signed_in(client)
    return response, unchanged


def _post_change_password(app, org):
    client = browser(app)
    assert _sign_in_with_token(client, OFFICER).status_code == 302
    stored, events = org["officer_a"].password_hash, _count(AuditEvent)
    response = client.post("/account/password",
                           data={"current": PASSWORD, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD})

    def unchanged():
        assert org["officer_a"].password_hash == stored
        assert _count(AuditEvent) == events
        assert is_signed_in(client)
    return response, unchanged


def _post_deactivate(app, org):
    client = browser(app)
    assert _sign_in_with_token(client, ADMIN).status_code == 302
    officer, events = org["officer_a"], _count(AuditEvent)
    response = client.post(f"/admin/people/{officer.id}/active", data={"reason": "forged"})

    def unchanged():
        assert officer.active
        assert _count(AuditEvent) == events
    return response, unchanged


def _post_sign_out(app, org):
    client = browser(app)
    assert _sign_in_with_token(client, OFFICER).status_code == 302
    events = _count(AuditEvent)
    response = client.post("/sign-out")

    def unchanged():
        assert _count(AuditEvent) == events
        assert is_signed_in(client)
        assert open_sessions(org["officer_a"]) == 1
    return response, unchanged


def _post_language(app, org):
    client = browser(app)
    response = client.post("/language", data={"lang": "zh_CN", "next": "/sign-in"})

    def unchanged():
        with client.session_transaction() as session:
            assert "lang" not in session
    return response, unchanged


FORGED_POSTS = [_post_sign_in, _post_change_password, _post_deactivate, _post_sign_out, _post_language]


@pytest.mark.parametrize("forged", FORGED_POSTS, ids=lambda f: f.__name__[len("_post_"):])
def test_a_post_without_csrf_token_is_refused_and_changes_nothing(csrf_app, org, forged):
    response, unchanged = forged(csrf_app, org)
    assert response.status_code == 400
    assert "The form had expired or was not sent from this site." in response.get_data(as_text=True)
    unchanged()


def test_a_token_from_another_browser_is_refused(csrf_app, org):
    attacker, victim = browser(csrf_app), browser(csrf_app)
    token = csrf_token(attacker, "/sign-in")
    assert _sign_in_with_token(victim, OFFICER).status_code == 302
    response = victim.post("/sign-out", data={"csrf_token": token})
    assert response.status_code == 400
    assert is_signed_in(victim)


def test_the_forms_carry_working_csrf_tokens(csrf_app, org):
    officer = org["officer_a"]
    admin = browser(csrf_app)
    assert _sign_in_with_token(admin, ADMIN).status_code == 302
    token = csrf_token(admin, f"/admin/people/{officer.id}", f"/admin/people/{officer.id}/active")
    response = admin.post(f"/admin/people/{officer.id}/active", data={"csrf_token": token, "reason": "left"})
    assert response.status_code == 302 and not officer.active

    client = browser(csrf_app)
    assert _sign_in_with_token(client, "200001").status_code == 302
    token = csrf_token(client, "/account/password")
    response = client.post("/account/password", data={
        "csrf_token": token, "current": PASSWORD, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert verify_password(org["supervisor_a"].password_hash, NEW_PASSWORD)

    token = csrf_token(client, "/account/password", "/language")
    response = client.post("/language", data={"csrf_token": token, "lang": "en", "next": "/"})
    assert response.status_code == 302
    with client.session_transaction() as session:
        assert session["lang"] == "en"

    token = csrf_token(client, "/account/password", "/sign-out")
    assert client.post("/sign-out", data={"csrf_token": token}).location == "/sign-in"
    assert not is_signed_in(client)


# --- No change on GET -----------------------------------------------------------------------------------


def test_sign_out_by_get_is_refused_and_the_session_stays(client, org):
    sign_in(client, OFFICER)
    response = client.get("/sign-out")
    assert response.status_code == 405
    assert is_signed_in(client)
    assert open_sessions(org["officer_a"]) == 1


def test_the_language_cannot_be_switched_by_get(client, org):
    response = client.get("/language?lang=en&next=/")
    assert response.status_code == 405
    with client.session_transaction() as session:
        assert "lang" not in session


def test_deactivating_by_get_is_refused(client, org):
    officer = org["officer_a"]
    sign_in(client, ADMIN)
    assert client.get(f"/admin/people/{officer.id}/active").status_code == 405
    assert officer.active


def test_the_language_switch_stays_on_this_site(client, org):
    response = client.post("/language", data={"lang": "en", "next": "https://evil.example/"})
    assert response.location == "/"


# --- Security headers -----------------------------------------------------------------------------------


def _page(app, org):
    return browser(app).get("/sign-in"), 200


def _signed_in_page(app, org):
    client = browser(app)
    sign_in(client, ADMIN)
    return client.get("/admin/people"), 200


def _redirect(app, org):
    return browser(app).get("/"), 302


def _forbidden(app, org):
    client = browser(app)
    sign_in(client, OFFICER)
    return client.get("/admin/"), 403


def _not_found(app, org):
    return browser(app).get("/no-such-page"), 404


def _method_not_allowed(app, org):
    return browser(app).get("/sign-out"), 405


def _csrf_refused(app, org):
    app.config["WTF_CSRF_ENABLED"] = True
    return browser(app).post("/sign-in", data={"badge": OFFICER, "password": PASSWORD}), 400


def _server_error(app, org):
    return browser(app).get("/boom"), 500


def _database_error(app, org):
    client = browser(app)
    sign_in(client, OFFICER)
    return client.get("/boom-sql"), 500


def _download(app, org):
    return browser(app).get("/test-download"), 200


RESPONSES = [_page, _signed_in_page, _redirect, _forbidden, _not_found, _method_not_allowed, _csrf_refused,
             _server_error, _database_error, _download]


def _csp(response) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    directives = {}
    for part in policy.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.mark.parametrize("make", RESPONSES, ids=lambda f: f.__name__.strip("_"))
def test_every_response_carries_the_security_headers(failing_app, org, make):
    response, status = make(failing_app, org)
    assert response.status_code == status
    csp = _csp(response)
    script_src = csp.get("script-src", csp["default-src"])
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert "'unsafe-inline'" not in csp.get("style-src", csp["default-src"])
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in SENDS_SAME_ORIGIN_REFERER
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"  # pages and downloads carry personal data


def test_static_files_may_be_cached(client):
    response = client.get("/static/worklog.css")
    response.close()
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_405_says_which_methods_are_allowed(client):
    response = client.get("/sign-out")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    assert response.mimetype == "text/html"


# --- Error pages ----------------------------------------------------------------------------------------


LEAKS = ["Traceback", "ZeroDivisionError", "division by zero", "no_such_table", "secret_column", "SELECT",
         "sqlalchemy", "psycopg", "sqlite", "OperationalError", "ProgrammingError", ".py", ROOT,
         "werkzeug", "File \""]


@pytest.mark.parametrize("make", [_forbidden, _not_found, _method_not_allowed, _csrf_refused, _server_error,
                                  _database_error], ids=lambda f: f.__name__.strip("_"))
def test_error_pages_are_plain(failing_app, org, make, caplog):
    response, status = make(failing_app, org)
    body = response.get_data(as_text=True)
    assert response.status_code == status
    for leak in LEAKS:
        assert leak.lower() not in body.lower(), leak
    heading = page(response).find("h1")
    assert heading is not None and heading.get_text().startswith(str(status))


def test_a_server_error_is_logged_and_the_page_still_knows_who_is_signed_in(failing_app, org, caplog):
    response, _ = _database_error(failing_app, org)
    assert "Something went wrong" in response.get_data(as_text=True)
    assert "Officer A" in response.get_data(as_text=True)  # the failed transaction did not break the page
    assert any("Unhandled error on GET /boom-sql" in r.getMessage() for r in caplog.records)


def test_a_server_error_saves_nothing_of_the_request(failing_app, org):
    officer = org["officer_a"]

    def rename_then_fail():
        officer_here = db.session.get(type(officer), officer.id)
        officer_here.name = "Changed Before Failing"
        db.session.flush()
        raise RuntimeError("late failure")

    # Added on a fresh app (routes cannot be added after a first request).
    failing_app.add_url_rule("/rename-then-fail", "rename_then_fail", rename_then_fail)
    assert browser(failing_app).get("/rename-then-fail").status_code == 500
    db.session.refresh(officer)
    assert officer.name == "Officer A"


# --- Templates ------------------------------------------------------------------------------------------


TEMPLATES = sorted(Path(ROOT, "templates").rglob("*.html"))


def test_there_are_templates_to_check():
    assert any(path.name == "sign_in.html" for path in TEMPLATES)


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(Path(ROOT, "templates"))))
def test_templates_have_no_inline_script_or_style(path):
    source = path.read_text(encoding="utf-8")
    for tag in re.findall(r"<script\b[^>]*>", source, flags=re.IGNORECASE):
        assert re.search(r"\ssrc\s*=", tag), f"inline <script> in {path.name}: {tag}"
    assert not re.search(r"<style\b", source, flags=re.IGNORECASE), f"<style> element in {path.name}"
    assert not re.search(r"\sstyle\s*=", source, flags=re.IGNORECASE), f"style= attribute in {path.name}"
    assert not re.search(r"\son[a-z]+\s*=\s*[\"']", source, flags=re.IGNORECASE), \
        f"on…= handler in {path.name}"
    assert "javascript:" not in source.lower(), f"javascript: URL in {path.name}"


@pytest.mark.parametrize("path", ["/sign-in", "/account/password", "/admin/people"])
def test_rendered_pages_have_no_inline_script_or_style(client, org, path):
    sign_in(client, ADMIN)
    if path == "/sign-in":
        client.post("/sign-out")
    response = client.get(path)
    assert response.status_code == 200
    soup = page(response)
    assert all(script.get("src") for script in soup.find_all("script"))
    assert not soup.find_all("style")
    assert not soup.find_all(style=True)


@pytest.mark.parametrize("endpoint, key, values", [
    ("admin.person_view", "person_id", {}),
    ("daily.ledger", "person_id", {"month": "2026-10"}),
    ("weekly.week_page", "person_id", {"week": "2026-11-02"}),
    ("weekly.approve", "entry_id", {}),
    ("admin.person_view", "person_id", {"tab": "a b&c"}),  # an unknown value goes to the query string
])
def test_a_row_link_is_the_address_url_for_builds(app, endpoint, key, values):
    from flask import url_for
    from worklog.web import row_url
    with app.test_request_context("/", base_url="http://example.org/prefix"):
        link = row_url(endpoint, key, **values)
        for value in (1, 42, 2**31 - 1):
            assert link(value) == url_for(endpoint, **values, **{key: value})
