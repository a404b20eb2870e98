"""The API's one error shape: ``{"error": {"code": …, "message": …, "details": {…}}}``, worded in the caller's
language (Accept-Language), for every status the API answers with an error, whatever raised it."""
from __future__ import annotations

import math
import time

from flask import current_app, has_request_context, jsonify, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

PREFIX = "/api/"

#: Status → machine-readable code. The document lists these codes; clients branch on them, never on the message.
CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
    406: "not_acceptable", 409: "conflict", 413: "payload_too_large", 415: "unsupported_media_type",
    422: "invalid", 429: "rate_limited", 500: "internal_error", 503: "unavailable",
}

MESSAGES = {
    400: _l("The request could not be understood."),
    401: _l("A valid API token is required: send it as 'Authorization: Bearer <token>'."),
    403: _l("This API client may not use this operation."),
    404: _l("There is nothing here, or it is not this client's to see."),
    405: _l("This address does not accept that method."),
    406: _l("This API answers in JSON only."),
    409: _l("Someone else changed this at the same time. Read it again and retry."),
    413: _l("What was sent is too large."),
    415: _l("Send the request body as JSON (Content-Type: application/json)."),
    422: _l("Some values are not valid: see details."),
    429: _l("Too many requests for this client. Wait as long as Retry-After says, then try again."),
    500: _l("Something went wrong. The error has been logged and nothing was saved."),
    503: _l("The service is temporarily unavailable. Nothing was saved; try again after Retry-After seconds."),
}


class ApiError(HTTPException):
    """An error the API answers in its shape: raised by the API's views and checks."""

    def __init__(self, status: int, message: str | None = None, *, details: dict | None = None,
                 headers: dict | None = None):
        super().__init__(description=message)
        self.code = status
        self.message = message
        self.details = details or {}
        self.extra_headers = headers or {}


def is_api_request() -> bool:
    return has_request_context() and request.path.startswith(PREFIX)


def error_response(status: int, message: str | None = None, *, details: dict | None = None,
                   headers: dict | None = None):
    """The error shape as a response; an unknown status reads as an internal error's code."""
    code = CODES.get(status, "internal_error" if status >= 500 else "bad_request")
    text = message or MESSAGES.get(status) or MESSAGES[500 if status >= 500 else 400]
    details = dict(details or {})
    wait = _retry_after() if status == 429 else None
    if wait is not None:
        details.setdefault("retry_after", wait)
    response = jsonify({"error": {"code": code, "message": str(text), "details": details}})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="worklog"'
    if wait is not None:
        response.headers["Retry-After"] = str(wait)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _retry_after() -> int:
    """Seconds until the client's window opens again (at least 1)."""
    limiter = current_app.extensions.get("worklog.limiter")
    limit = limiter.current_limit if limiter is not None else None
    if limit is None:
        return 60
    return max(1, math.ceil(limit.reset_at - time.time()))


def handle_api_error(error: ApiError):
    return error_response(error.code, error.message, details=error.details, headers=error.extra_headers)
