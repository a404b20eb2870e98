"""Bounds on what a request may send, applied before its body is read.

Every request may send at most ``MAX_CONTENT_LENGTH`` bytes (a form; Werkzeug refuses a larger body before reading
it, whatever its declared length), a multipart text field at most ``MAX_FORM_MEMORY_SIZE`` and at most
``MAX_FORM_PARTS`` fields. Only the views marked :func:`accepts_upload` (the imports) take up to
``IMPORT_MAX_BYTES``; the file is then checked again, part by part, by :mod:`worklog.spreadsheets`. Anything larger
is answered 413 with a page in the person's language saying what the limit is. Views that take no file refuse one
(400) instead of handing a file to a text field.
"""
from __future__ import annotations

from typing import Callable, TypeVar

from flask import Flask, abort, current_app, request
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge

F = TypeVar("F", bound=Callable)


def accepts_upload(view: F) -> F:
    """Mark a view that takes a file: its requests may be up to ``IMPORT_MAX_BYTES``."""
    view.accepts_upload = True  # type: ignore[attr-defined]
    return view


def accepts_evidence(view: F) -> F:
    """Mark a view that takes evidence files (inspection): its requests may be up to
    ``ATTACHMENT_REQUEST_MAX_BYTES``; each file is then checked against ``ATTACHMENT_MAX_BYTES``."""
    view.accepts_upload = "evidence"  # type: ignore[attr-defined]
    return view


def _upload_kind() -> bool | str:
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    return getattr(view, "accepts_upload", False)


def _takes_upload() -> bool:
    return bool(_upload_kind())


def _upload_limit() -> int:
    if _upload_kind() == "evidence":
        return int(current_app.config["ATTACHMENT_REQUEST_MAX_BYTES"])
    return int(current_app.config["IMPORT_MAX_BYTES"])


def _limit_body():
    """Registered before CSRF protection, which reads the form: the limit must be set before anything does."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    if _takes_upload():
        request.max_content_length = _upload_limit()
        return None
    if request.mimetype == "multipart/form-data" and request.files:
        abort(400)  # no field of this form is a file
    return None


def limit_text(size: int) -> str:
    """A size as people read it: 16 MB, 256 KB."""
    if size >= 1024 * 1024:
        megabytes = "%.3g" % (size / (1024 * 1024))
        return _("%(n)s MB", n=megabytes)
    return _("%(n)s KB", n=str(max(1, size // 1024)))


def _too_large(_error: RequestEntityTooLarge):
    from worklog.web import _error_page
    if _upload_kind() == "evidence":
        message = _("The files sent together are larger than %(limit)s, the most one form takes. Send fewer files "
                    "at a time.", limit=limit_text(_upload_limit()))
    elif _takes_upload():
        message = _("The file is larger than %(limit)s, the most an import takes. Split it into smaller files "
                    "and import them one after the other.",
                    limit=limit_text(int(current_app.config["IMPORT_MAX_BYTES"])))
    else:
        message = _("What was sent is larger than this form takes (at most %(limit)s). Shorten the text and send "
                    "it again.", limit=limit_text(int(current_app.config["MAX_CONTENT_LENGTH"])))
    return _error_page(413, message)


def init_app(app: Flask) -> None:
    app.before_request(_limit_body)
    app.register_error_handler(RequestEntityTooLarge, _too_large)
