"""The request lifecycle: one commit per request, security headers, error pages, template helpers."""
from __future__ import annotations

from datetime import date
from typing import Callable
from urllib.parse import urlsplit

from flask import Blueprint, Flask, Response, current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_babel import format_date, format_datetime, format_decimal, get_locale, gettext as _, lazy_gettext as _l
from flask_wtf.csrf import CSRFError, generate_csrf
from jinja2 import pass_context
from markupsafe import Markup, escape
from sqlalchemy.exc import InterfaceError, OperationalError, TimeoutError as PoolTimeout
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import BaseConverter, IntegerConverter, ValidationError

from models import Person
from worklog.db import sqlite_begin
from worklog.i18n import number_format
from worklog.privacy import Unmasked

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


def rollback_only() -> None:
    """Make sure nothing of this request is committed, whatever the response status."""
    g._rollback_only = True


def refuse(form, error) -> None:
    """Show a service's refusal (a :class:`worklog.errors.ServiceError`) on the form field it names, or as a
    message, and make sure nothing of the request is kept."""
    rollback_only()
    field = getattr(form, error.field, None) if error.field else None
    if field is not None and hasattr(field, "errors"):
        field.errors = list(field.errors) + [error.message]
    else:
        flash(error.message, "error")


def submit(form, act, success: str, back: str):
    """A page's form that a service acts on: a redirect to ``back`` when done; when refused, the message on
    the form (409 when someone else got there first) and nothing kept. Returns (response or None, status)."""
    from worklog.errors import Conflict, ServiceError
    if request.method != "POST":
        return None, 200
    if form.validate_on_submit():
        try:
            act()
            flash(success, "success")
            return redirect(back), 302
        except Conflict as error:
            rollback_only()
            return render_template("weekly/conflict.html", message=error.message, back=back), 409
        except ServiceError as error:
            refuse(form, error)
    rollback_only()
    return None, 422


def safe_next(target: str | None, default: str) -> str:
    """A redirect target that stays on this site: a path, never another host."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") \
            or "\\" in target:
        return default
    return target


def _choose_sqlite_begin():
    """Reading pages begin deferred transactions (readers never wait); anything else takes the write lock."""
    sqlite_begin.set("BEGIN" if request.method in ("GET", "HEAD", "OPTIONS") else "BEGIN IMMEDIATE")


def after_this_transaction(fn: Callable[[], object]) -> None:
    """Run ``fn`` once this request's transaction has ended, committed or not, in a short one of its own.

    For bookkeeping that neither decides nor shares the request's fate, such as when a session was last
    seen. It also keeps reading requests from writing: on SQLite a reading transaction cannot become a
    writer once someone else has saved since it began ("database is locked" at once), while a new
    transaction simply waits its turn.
    """
    g.setdefault("_after_transaction", []).append(fn)


def _commit_or_rollback(response):
    session = g.get("_db_session")
    if session is not None:
        if response.status_code < 400 and not g.get("_rollback_only"):
            session.commit()
        else:
            session.rollback()
        for fn in g.pop("_after_transaction", []):
            try:
                fn()
                session.commit()
            except Exception:
                session.rollback()
                current_app.logger.warning("Bookkeeping after %s %s failed", request.method, request.path,
                                           exc_info=True)
    return response


def _refuse_null_characters():
    """A NUL character in a form field or the query is refused before anything reads it: PostgreSQL's text cannot
    hold one (the insert failed with a 500), SQLite would keep it silently, and nobody types it."""
    for values in (request.args, request.form if request.method not in ("GET", "HEAD", "OPTIONS") else None):
        if values and any("\x00" in key or "\x00" in value for key, items in values.lists() for value in items):
            return _error_page(400, _("The request contained a null character, which cannot be stored. "
                                      "Remove it and try again."))
    return None


def _security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if request.endpoint != "static":
        # Pages and exports carry personal data: keep them out of shared caches and the back-button cache.
        headers.setdefault("Cache-Control", "no-store")
    return response


ERROR_TEXT = {
    400: (_l("Bad request"), _l("The request could not be understood.")),
    403: (_l("Not allowed"), _l("You do not have permission to do this.")),
    404: (_l("Not found"), _l("There is nothing here, or it is not yours to see.")),
    405: (_l("Not allowed"), _l("This address does not accept that kind of request.")),
    409: (_l("Conflict"), _l("Someone else changed this at the same time. Reload the page and try again.")),
    413: (_l("Too large"), _l("The file is too large.")),
    500: (_l("Something went wrong"), _l("The error has been logged. Nothing was saved; please try again.")),
}


def _error_page(code: int, message: str | None = None):
    from worklog.api.errors import error_response, is_api_request
    if is_api_request():  # the API answers every error in its own JSON shape, never with a page
        return error_response(code, message)
    title, text = ERROR_TEXT.get(code, ERROR_TEXT[500])
    try:
        return render_template("errors/error.html", code=code, title=str(title), text=message or str(text)), code
    except Exception:  # the page itself failed (say, the database is down): answer plainly, leak nothing
        current_app.logger.exception("Error page %s could not be rendered", code)
        return Response(f"{code} {title}\n", status=code, mimetype="text/plain")


#: How long a browser or a client is asked to wait before trying again while the database cannot be reached.
RETRY_AFTER_SECONDS = 30


def _unavailable():
    """503 with Retry-After while the database cannot be reached (down, restarting, its connections used up, or
    SQLite's write lock held too long). Worded in the person's language, and written without the site's layout,
    whose menu reads the database."""
    from worklog.api.errors import error_response, is_api_request
    if is_api_request():
        return error_response(503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
    title = _("Service temporarily unavailable")
    text = _("The database cannot be reached at the moment. Nothing was saved; please try again in a minute.")
    body = current_app.jinja_env.get_template("errors/unavailable.html").render(
        lang=html_lang(), title=title, text=text, code=503)
    response = Response(body, status=503, mimetype="text/html")
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


#: What the drivers say when the database is out of reach rather than refusing a statement.
_UNREACHABLE = ("connection", "could not connect", "server closed", "terminating", "the database system is",
                "too many clients", "database is locked", "unable to open database")


#: SQLSTATE of a transaction PostgreSQL rolled back because it crossed another one (a deadlock, a serialisation
#: failure): nothing was saved and the same request succeeds when sent again.
_CROSSED = ("40P01", "40001")


def _transactions_crossed(error: BaseException | None) -> bool:
    return isinstance(error, OperationalError) and getattr(error.orig, "sqlstate", None) in _CROSSED


def _crossed():
    """503 with a short Retry-After when two transactions crossed and the database undid this one."""
    from worklog.api.errors import error_response, is_api_request
    if is_api_request():
        return error_response(503, _("Another change to the same records was being saved at the same moment, "
                                     "so nothing was saved. Send the request again."),
                              headers={"Retry-After": "1"})
    title = _("Please try again")
    text = _("Another change to the same records was being saved at the same moment, so nothing of yours was "
             "saved. Please send it again.")
    body = current_app.jinja_env.get_template("errors/unavailable.html").render(
        lang=html_lang(), title=title, text=text, code=503)
    response = Response(body, status=503, mimetype="text/html")
    response.headers["Retry-After"] = "1"
    return response


def _database_unreachable(error: BaseException | None) -> bool:
    """Is this error the database being out of reach, rather than a fault in a statement (which is a 500)?"""
    if isinstance(error, (InterfaceError, PoolTimeout)):  # the driver's link is broken; no connection is free
        return True
    if not isinstance(error, OperationalError):
        return False
    # An OperationalError can also be a fault of the statement (SQLite's "no such column"), which stays a 500
    # and is logged as one. A lost connection is marked invalidated; one that could not be made (refused, the
    # server starting or shutting down, out of connections) and SQLite's busy lock say so in the driver's text.
    text = str(error.orig).lower()
    return bool(error.connection_invalidated) or any(part in text for part in _UNREACHABLE)


def _rollback_quietly(session) -> None:
    """End the request's transaction when the connection may be gone: a rollback that fails too changes nothing."""
    if session is None:
        return
    try:
        session.rollback()
    except Exception:
        current_app.logger.warning("Rollback after losing the database failed", exc_info=True)


def confirmation_step(form, back: str, act):
    """The POST half of a confirmation page (templates/confirm.html) for an act that cannot be undone.

    Returns (answer, status). A GET, or a POST without the page's confirmation: (None, 200 or 422), and the caller
    shows the page again (nothing done, and a POST told so). A POST whose form does not validate (a stale token):
    back to the object's page. With the confirmation: ``act()``'s answer (a redirect, or a refusal page)."""
    if request.method != "POST":
        return None, 200
    if not form.validate_on_submit():
        rollback_only()
        return redirect(back), 200
    if form.confirmed():
        return act(), 200
    rollback_only()
    flash(_("Nothing was done yet: read what will happen, then confirm."), "error")
    return None, 422


def csrf_field(form) -> Markup:
    """A form's CSRF token without an id, so several forms on one page do not repeat an id. Written out here, as
    WTForms would write it: a page of entries carries three forms per entry, and WTForms' rendering of each
    took more time than the rest of the row."""
    field = getattr(form, "csrf_token", None)
    if field is None:
        return Markup("")
    return Unmasked(f'<input name="{escape(field.name)}" type="hidden" value="{escape(field.current_token or "")}">')


@pass_context
def format_number(context, number, fmt: str | None = None) -> str:
    """The templates' ``number`` filter: Babel's format_decimal, in the page's language (read once per page by
    :func:`worklog.i18n.template_gettext`), each pattern made ready once (:func:`worklog.i18n.number_format`)."""
    if number is None:
        return ""
    if fmt is None:
        return format_decimal(number)
    return number_format(fmt, context.get("number_locale") or str(get_locale()))(number)


#: A number no id reaches in practice, put where a row's id goes when a link is built for a whole table.
_ROW_ID = 987654321


def row_url(endpoint: str, key: str, **values) -> Callable[[int], str]:
    """``url_for`` for a link on every row of a table, where only the integer id ``key`` changes: the address is
    built once, and each row's id put in its place (``url_for`` for each of a hundred rows took a tenth of the
    page). ``key`` must be an ``<int:…>`` part of the address."""
    head, marker, tail = url_for(endpoint, **values, **{key: _ROW_ID}).partition(str(_ROW_ID))
    if not marker or str(_ROW_ID) in tail:
        return lambda value: url_for(endpoint, **values, **{key: value})
    return lambda value: f"{head}{int(value)}{tail}"


def csrf_input() -> Markup:
    """The CSRF token field of a form the page writes by hand (the menu's language and sign-out forms), as
    :func:`csrf_field` writes a form's; nothing when CSRF protection is off, as for a form."""
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return Markup("")
    name = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    return Unmasked(f'<input name="{escape(name)}" type="hidden" value="{escape(generate_csrf())}">')


def html_lang() -> str:
    """The page's language tag. Babel names Simplified Chinese zh_Hans_CN, so compare the language only."""
    return "zh-CN" if get_locale().language == "zh" else "en"


class IsoDateConverter(BaseConverter):
    """``<isodate:day>`` in a URL: 2026-11-28. Anything else is a 404."""

    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value: str) -> date:
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ValidationError()

    def to_url(self, value: date | str) -> str:
        return value if isinstance(value, str) else value.isoformat()


def signed_in_blueprint(name: str, import_name: str, **options) -> Blueprint:
    """A blueprint every page of which needs a signed-in person (sign-in page otherwise)."""
    bp = Blueprint(name, import_name, **options)

    @bp.before_request
    @login_required
    def _signed_in():
        return None
    return bp


def current_person() -> Person:
    """The signed-in person: the object itself, not Flask-Login's proxy (services compare and store it)."""
    return current_user._get_current_object()


def int_arg(name: str, default: int | None = None, low: int = 1, high: int = 2**31 - 1) -> int | None:
    """A whole-number query parameter within [low, high]; ``default`` when it is missing or not a number, and
    the nearest bound when it is out of range (``?page=99999999999999999999`` is the last page, not a 500)."""
    value = request.args.get(name, type=int)
    if value is None:
        return default
    return min(max(value, low), high)


class IdConverter(IntegerConverter):
    """``<int:…>`` in a URL, bounded to what an id column holds: a larger number finds nothing (404) instead of
    overflowing the database driver (a 500)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def init_app(app: Flask) -> None:
    app.url_map.converters["isodate"] = IsoDateConverter
    app.url_map.converters["int"] = IdConverter
    # Registered first, so it runs last: the commit happens after every other after_request hook.
    app.before_request(_choose_sqlite_begin)
    app.before_request(_refuse_null_characters)
    app.after_request(_commit_or_rollback)
    app.after_request(_security_headers)

    @app.errorhandler(CSRFError)
    def _csrf_error(_e):
        return _error_page(400, _("The form had expired or was not sent from this site. "
                                  "Go back, reload the page and try again."))

    @app.errorhandler(StaleDataError)
    def _conflict(_e):
        # Two people changed the same row at once; the second is told so and keeps nothing.
        session = g.get("_db_session")
        if session is not None:
            session.rollback()
        return _error_page(409)

    @app.errorhandler(HTTPException)
    def _http_error(e: HTTPException):
        if e.code and e.code < 400:
            return e
        if e.code == 500 and _transactions_crossed(getattr(e, "original_exception", None)):
            app.logger.warning("Transactions crossed on %s %s: %s", request.method, request.path,
                               e.original_exception)
            return _crossed()
        if e.code == 500 and _database_unreachable(getattr(e, "original_exception", None)):
            # The commit at the end of the request lost the database: Flask reports it as a 500 of its own.
            app.logger.error("Database unreachable on %s %s: %s", request.method, request.path,
                             e.original_exception)
            return _unavailable()
        response = app.make_response(_error_page(e.code or 500))
        # Keep the headers the error itself carries (Allow on a 405, Retry-After…), but not its body's type.
        for name, value in e.get_headers():
            if name.lower() != "content-type":
                response.headers.add(name, value)
        return response

    @app.errorhandler(Exception)
    def _unexpected(e: Exception):
        session = g.get("_db_session")
        if _transactions_crossed(e):
            app.logger.warning("Transactions crossed on %s %s: %s", request.method, request.path, e)
            _rollback_quietly(session)
            return _crossed()
        if _database_unreachable(e):
            app.logger.error("Database unreachable on %s %s: %s", request.method, request.path, e)
            _rollback_quietly(session)
            return _unavailable()
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        if session is not None:
            session.rollback()  # so that the error page itself can still read (navigation, roles)
        return _error_page(500)

    from worklog import labels
    app.jinja_env.globals.update(
        safe_next=safe_next, get_locale=get_locale, html_lang=html_lang, csrf_field=csrf_field, csrf_input=csrf_input,
        row_url=row_url, ROLE_LABELS=labels.ROLE_LABELS,
        LEVEL_LABELS=labels.LEVEL_LABELS, COMPLETION_LABELS=labels.COMPLETION_LABELS,
        ENTRY_STATUS_LABELS=labels.ENTRY_STATUS_LABELS, DAY_STATUS_LABELS=labels.DAY_STATUS_LABELS,
        QUEUE_STATE_LABELS=labels.QUEUE_STATE_LABELS, TASK_STATUS_LABELS=labels.TASK_STATUS_LABELS,
        notification_text=labels.notification_text, notification_link=labels.notification_link,
        GRADE_LABELS=labels.GRADE_LABELS, MONTH_STATUS_LABELS=labels.MONTH_STATUS_LABELS,
        ADJUSTMENT_KIND_LABELS=labels.ADJUSTMENT_KIND_LABELS, APPEAL_STATUS_LABELS=labels.APPEAL_STATUS_LABELS,
        RULE_LABELS=labels.RULE_LABELS, audit_action=labels.audit_action, audit_object=labels.audit_object,
        audit_details=labels.audit_details)
    from worklog import explanations
    from worklog.facts.sources import source_name
    app.jinja_env.globals.update(rule_name=explanations.rule_name, PARAM_LABELS=explanations.PARAM_LABELS,
                                 source_name=source_name)
    app.jinja_env.filters.update(
        explain=explanations.say, eligibility_check=lambda c: explanations.Wording().check(c),
        date=lambda d, fmt="medium": format_date(d, fmt) if d else "",
        datetime=lambda d, fmt="medium": format_datetime(d, fmt) if d else "",
        number=format_number,
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    from worklog.navigation import context
    app.context_processor(context)
