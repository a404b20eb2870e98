"""Helpers for sign-in and web-safety tests: browsers whose requests are as separate as in production."""
from __future__ import annotations

import contextvars

from bs4 import BeautifulSoup
from flask import Flask, has_app_context
from flask.testing import FlaskClient
from sqlalchemy import func, select

from models import LoginSession, Person
from worklog.extensions import db


class Browser(FlaskClient):
    """A test client whose every request runs in its own app context.

    The ``app`` fixture keeps one app context pushed for the whole test and Flask reuses it for
    requests, so ``g`` would carry the signed-in user (Flask-Login caches it in ``g._login_user``),
    the database session and the rollback flag from one request, and one client, to the next: a
    fresh client without cookies would appear signed in. Here each request gets an empty context.

    The test's own database work is committed before each request (so that the request sees it and
    SQLite's write lock is free) and expired after it (so that the test then reads what the request
    committed).
    """

    def open(self, *args, **kwargs):
        if has_app_context():
            db.session.commit()
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if has_app_context():
            db.session.expire_all()
        return response


def browser(app: Flask, address: str = "127.0.0.1") -> Browser:
    """A new browser with no cookies, reading English pages, coming from ``address``."""
    client = Browser(app, app.response_class, use_cookies=True)
    client.environ_base.update(REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE="en")
    return client


def session_cookie(client: FlaskClient):
    """The browser's session cookie (a ``werkzeug.test.Cookie``), or None."""
    return client.get_cookie(client.application.config["SESSION_COOKIE_NAME"])


def replay_cookie(app: Flask, cookie) -> Browser:
    """A new browser that carries only a copy of ``cookie``, as an attacker who stole it would."""
    other = browser(app)
    other.set_cookie(cookie.key, cookie.value, domain=cookie.domain, path=cookie.path)
    return other


def is_signed_in(client: FlaskClient) -> bool:
    """Does the browser open a page for signed-in people (its own, so other areas' pages do not matter)?"""
    response = client.get("/account/password")
    if response.status_code == 200:
        return True
    assert response.status_code == 302 and response.location.startswith("/sign-in"), response.status
    return False


def open_sessions(person: Person) -> int:
    return db.session.scalar(select(func.count()).select_from(LoginSession).where(
        LoginSession.person_id == person.id, LoginSession.ended_at.is_(None)))


def page(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def flashes(response) -> list[str]:
    return [p.get_text(strip=True) for p in page(response).select("p.flash")]


def field_errors(response) -> list[str]:
    return [e.get_text(strip=True) for e in page(response).select("small.error")]


def csrf_token(client: FlaskClient, path: str, form_action: str | None = None) -> str:
    """The CSRF token of the form posting to ``form_action`` (default: ``path``) on the page at ``path``."""
    response = client.get(path)
    assert response.status_code == 200, response.status
    form = page(response).find("form", action=form_action or path)
    assert form is not None, f"no form posting to {form_action or path} on {path}"
    field = form.find("input", attrs={"name": "csrf_token"})
    assert field is not None and field.get("value"), f"the form on {path} carries no CSRF token"
    return field["value"]
