"""Phone numbers stop at the boundaries: every page, log line, export and file name is masked on its way out.

People write phone numbers into any free text (an entry's description, a reason, a comment, a file's name), so
masking them where the survey stores them is not enough. What leaves the application passes here:

- pages and mails: every ``{{ … }}`` a template writes goes through :func:`finalize`, except a number the
  survey's calling view marks as :class:`worklog.survey.phones.InFull`;
- log lines: :class:`PhoneFilter` on the application's loggers and the root logger's handlers;
- JSON answers: :func:`_mask_json`;
- audit events, exports and upload file names call :func:`worklog.survey.phones.redact` themselves.

The rule of what a phone number is lives beside ``redact``.
"""
from __future__ import annotations

import json
import logging

from flask import Flask, current_app
from markupsafe import Markup

from worklog.survey.phones import InFull, redact

#: The loggers whose records may carry what a person typed: the app's, the servers' and the workers'.
LOGGERS = ("worklog", "werkzeug", "gunicorn.error", "gunicorn.access", "rq.worker", "sqlalchemy.engine")


class Unmasked(Markup):
    """HTML the application wrote with nothing a person typed in it (a form's CSRF token): written as it is, so
    that a token that happens to hold a number's shape is not changed (and the form refused)."""

    __slots__ = ()


def finalize(value):
    """What a template writes: text with its phone numbers masked. Numbers, dates and objects pass as they are,
    and so do addresses (an id in a link is not a phone number, and a changed link would break)."""
    kind = type(value)
    if kind is str:
        if len(value) < 7 or (value[:1] == "/" and " " not in value):
            return value
        return redact(value)
    if kind is Markup:
        # Markup a template built (a form's field with what was typed in it, an event's JSON): masking changes
        # only digits and the separators between them, so the HTML stays as it was.
        return Markup(redact(str(value))) if len(value) >= 7 else value
    return value  # InFull (the calling view's number) and Unmasked included


class PhoneFilter(logging.Filter):
    """Masks phone numbers in a record's message (its arguments merged in) and in its exception's text."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_phones_masked", False):
            return True
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: leave it to the handler to report
            return True
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        record._phones_masked = True
        return True


_FILTER = PhoneFilter()


def install_log_filter(logger: logging.Logger) -> None:
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)
    for handler in logger.handlers:
        if _FILTER not in handler.filters:
            handler.addFilter(_FILTER)


def _mask_json(response):
    """JSON answers (a job's progress carries its error's text; the API's names and references) are masked like
    pages, in their strings only: a number is data (an entry's id past ten million has a phone number's shape), and
    masking it would change it or break the JSON. Exports mask their cells and the calling view is HTML, so
    nothing else needs a look."""
    if response.mimetype == "application/json" and not response.direct_passthrough:
        text = response.get_data(as_text=True)
        if redact(text) != text:  # something has a phone number's shape: look closer, string by string
            try:
                data = json.loads(text)
            except ValueError:
                response.set_data(redact(text))
                return response
            masked = _mask_strings(data)
            if masked != data:
                response.set_data(current_app.json.dumps(masked) + "\n")
    return response


def _mask_strings(value):
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list):
        return [_mask_strings(item) for item in value]
    if isinstance(value, dict):
        return {key: _mask_strings(item) for key, item in value.items()}
    return value


def init_app(app: Flask) -> None:
    app.jinja_env.finalize = finalize
    app.after_request(_mask_json)
    # A filter on a logger sees only the records logged on it; one on a handler sees those its children pass up.
    for name in LOGGERS + (app.logger.name,):
        install_log_filter(logging.getLogger(name))
    install_log_filter(logging.getLogger())


__all__ = ["InFull", "PhoneFilter", "finalize", "init_app"]
