"""Rate limits of the API with Flask-Limiter: each client its own limit per minute, counted under its id (on Redis
when REDIS_URL is set, so that every server counts together; in memory otherwise). Requests without a known token
are counted by address, at ``API_ANONYMOUS_RATE_LIMIT``, which also slows anyone trying tokens. A 429 says when
to come back (Retry-After, written by worklog.api.errors)."""
from __future__ import annotations

from flask import Blueprint, Flask, current_app, request
from flask_limiter import Limiter

from worklog.api.tokens import current_client


def _key() -> str:
    client = current_client()
    if client is not None:
        return f"client:{client.id}"
    return f"address:{request.remote_addr or 'unknown'}"


def _limit() -> str:
    client = current_client()
    if client is not None:
        return f"{client.rate_limit_per_minute} per minute"
    return str(current_app.config["API_ANONYMOUS_RATE_LIMIT"])


def init_app(app: Flask, bp: Blueprint) -> None:
    """One limiter per app, so that apps (tests, several in one process) never share counts."""
    storage = app.config.get("RATELIMIT_STORAGE_URI") or app.config.get("REDIS_URL") or "memory://"
    limiter = Limiter(key_func=_key, storage_uri=storage, headers_enabled=False, key_prefix="worklog-api",
                      strategy="fixed-window")
    limiter.init_app(app)
    limiter.limit(_limit, key_func=_key)(bp)
    app.extensions["worklog.limiter"] = limiter
