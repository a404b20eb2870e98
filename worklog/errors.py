"""Errors that services raise for the person to read: a refused change, never a crash."""
from __future__ import annotations

from werkzeug.exceptions import Forbidden, NotFound


class ServiceError(Exception):
    """A change was refused. ``message`` is already translated; ``field`` names the form field at fault."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class Conflict(ServiceError):
    """Someone else changed the object first (HTTP 409): nothing of this request is kept."""


class OutOfScope(NotFound):
    """The object is not the actor's to see: answered exactly as a missing one (404). Raised by services and
    permission checks instead of ``abort``, so that they stay callable outside a request."""


class NotAllowed(Forbidden):
    """The actor sees the object but may not do this to it (403)."""


class PasswordRefused(ServiceError):
    """A password typed to confirm an act was wrong or came too often. The attempt is recorded and must be
    kept: answer without rolling back (nothing else has been written yet)."""
