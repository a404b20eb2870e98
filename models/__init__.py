"""Worklog's database models: plain SQLAlchemy 2.x, importing neither Flask nor the application.

Every model module is imported here so that ``Base.metadata`` is complete for Alembic.
"""
from models.base import Base, UTCDateTime, utcnow
from models.org import Department, Post, Sequence, Unit, UnitLevel
from models.people import Assignment, Person, Role, RoleGrant
from models.audit import AuditEvent
from models.auth import LoginAttempt, LoginSession

__all__ = [
    "Assignment", "AuditEvent", "Base", "Department", "LoginAttempt", "LoginSession", "Person",
    "Post", "Role", "RoleGrant", "Sequence", "UTCDateTime", "Unit", "UnitLevel", "utcnow",
]
