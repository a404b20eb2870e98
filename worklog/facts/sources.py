"""How a source is named to people: the registered system's name (for "jj110", "110 接处警系统")."""
from __future__ import annotations

from flask import g, has_request_context
from sqlalchemy import select

from models import ApiClient
from worklog.extensions import db


def source_names() -> dict[str, str]:
    """Every registered system's source code and name: a handful of rows, read once per request."""
    if has_request_context() and "_source_names" in g:
        return g._source_names
    names = dict(db.session.execute(select(ApiClient.source, ApiClient.name).where(ApiClient.source.is_not(None))).all())
    if has_request_context():
        g._source_names = names
    return names


def source_name(code: str | None) -> str:
    if not code:
        return ""
    return source_names().get(code, code)
