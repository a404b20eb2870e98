"""API tokens: random, shown once, kept as a keyed hash; and who is calling (``Authorization: Bearer …``)."""
from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import current_app, request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from models import ApiClient

#: Every token starts so, which lets secret scanners and people recognise one.
TOKEN_PREFIX = "wlk_"
PREFIX_SHOWN = len(TOKEN_PREFIX) + 8


def new_token() -> str:
    """32 random bytes: a keyed fast hash is enough to keep them (nobody can guess one to try)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def _key() -> bytes:
    configured = current_app.config.get("API_TOKEN_KEY")
    if configured:
        return configured if isinstance(configured, bytes) else str(configured).encode()
    secret = current_app.config["SECRET_KEY"]
    secret = secret if isinstance(secret, bytes) else str(secret).encode()
    return hmac.new(secret, b"worklog api token key v1", hashlib.sha256).digest()


def token_hash(token: str) -> str:
    return hmac.new(_key(), token.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


def shown_prefix(token: str) -> str:
    return token[:PREFIX_SHOWN]


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip() or len(value) > 200:
        return None
    return value.strip()


def current_client() -> ApiClient | None:
    """The client this request's token names, if it is known and not revoked; read once per request. Every
    request reads the database, so a revoked or rotated token stops at once."""
    # Kept on the request itself, not on ``g``: an app context may outlive one request (tests, WSGI callers).
    if _CACHE not in request.environ:
        token = _bearer()
        client = None
        if token is not None:
            from worklog.extensions import db
            client = db.session.scalar(select(ApiClient).options(selectinload(ApiClient.units)).where(
                ApiClient.token_hash == token_hash(token), ApiClient.revoked_at.is_(None)))
        request.environ[_CACHE] = client
    return request.environ[_CACHE]


_CACHE = "worklog.api_client"
