"""Sign-in, sign-out and password changes. Sessions live on the server so they can really be ended."""
from __future__ import annotations

import hashlib
import secrets
from datetime import date, datetime, timedelta
from functools import lru_cache

from flask import current_app, has_request_context, request
from flask_babel import gettext as _
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import joinedload

from models import LoginAttempt, LoginSession, Person, RoleGrant, utcnow
from worklog import audit, navigation, timekeeping
from worklog.auth.passwords import hash_password, needs_rehash, verify_password
from worklog.errors import PasswordRefused
from worklog.extensions import db
from worklog.permissions import remember_grants
from worklog.web import after_this_transaction


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def client_address() -> str:
    """The address the attempt limits count; "" outside a request (a command, a job): the operator's own."""
    if not has_request_context():
        return ""
    return (request.remote_addr or "")[:64]


# --- Attempts -----------------------------------------------------------------------------------------
#
# Three limits, each counted in the attempts table:
# - per badge and address (the guesser's own pair): after LOGIN_MAX_FAILURES_PER_PAIR failures the pair waits
#   LOGIN_WINDOW_MINUTES since its last failure, twice as long after each further failure (up to
#   LOGIN_MAX_DELAY_MINUTES). A success from the pair wipes its slate.
# - per address, whatever the badge (a sprayer): LOGIN_MAX_FAILURES_PER_ADDRESS in the window; no success resets it.
# - per badge from everywhere (a botnet): LOGIN_MAX_FAILURES_PER_ACCOUNT in the window, much higher than the
#   pair's, and never applied at an address the owner has signed in from lately: guessers elsewhere cannot lock
#   the owner out at their desk.


def _window_start() -> datetime:
    return utcnow() - timedelta(minutes=int(current_app.config["LOGIN_WINDOW_MINUTES"]))


def _failures_since(since: datetime, *conditions) -> tuple[int, datetime | None]:
    """Failures matching ``conditions`` since ``since`` and since the last success matching them: count, last."""
    last_success = db.session.scalar(select(func.max(LoginAttempt.at)).where(
        *conditions, LoginAttempt.success.is_(True), LoginAttempt.at >= since))
    start = max(since, last_success) if last_success else since
    count, last = db.session.execute(select(func.count(), func.max(LoginAttempt.at)).where(
        *conditions, LoginAttempt.success.is_(False), LoginAttempt.at >= start)).one()
    return count or 0, last


def _pair_refused(badge: str, address: str) -> bool:
    cfg = current_app.config
    free = int(cfg["LOGIN_MAX_FAILURES_PER_PAIR"])
    longest = timedelta(minutes=int(cfg["LOGIN_MAX_DELAY_MINUTES"]))
    count, last = _failures_since(utcnow() - longest, LoginAttempt.badge == badge, LoginAttempt.address == address)
    if count < free:
        return False
    # 2 ** (count - free) grows past any cap within a few dozen failures; the exponent is bounded first.
    wait = min(timedelta(minutes=int(cfg["LOGIN_WINDOW_MINUTES"])) * 2 ** min(count - free, 20), longest)
    return utcnow() < last + wait


def _address_refused(address: str) -> bool:
    # An address's own success does not reset it: everyone has an account, and signing in to one's own between
    # guesses must not reopen the guessing at colleagues' accounts.
    count = db.session.scalar(select(func.count()).select_from(LoginAttempt).where(
        LoginAttempt.address == address, LoginAttempt.success.is_(False), LoginAttempt.at >= _window_start())) or 0
    return count >= int(current_app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"])


def _account_refused(badge: str, address: str) -> bool:
    cfg = current_app.config
    count, _last = _failures_since(_window_start(), LoginAttempt.badge == badge)
    if count < int(cfg["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        return False
    known_since = utcnow() - timedelta(days=int(cfg["LOGIN_KNOWN_ADDRESS_DAYS"]))
    known = db.session.scalar(select(LoginAttempt.id).where(
        LoginAttempt.badge == badge, LoginAttempt.address == address, LoginAttempt.success.is_(True),
        LoginAttempt.at >= known_since).limit(1))
    return known is None


def is_throttled(badge: str, address: str) -> bool:
    return _pair_refused(badge, address) or _address_refused(address) or _account_refused(badge, address)


def _remember_attempt(badge: str, address: str, success: bool) -> None:
    # A failed sign-in answers 200 with the form again, so the request commits and the failure counts.
    db.session.add(LoginAttempt(badge=badge[:64], address=address, success=success))


def _lock(query) -> Person | None:
    """Load the person whose password is about to be checked, locking the row until the commit.

    Attempts on one account then run one after another, each counting the failures committed before it:
    guesses sent at once cannot all pass the limit together. (FOR NO KEY UPDATE on PostgreSQL, so rows
    that merely refer to the person are not held up; SQLite's write lock already serialises the request.)
    """
    return db.session.scalar(query.with_for_update(key_share=True))


def authenticate(badge: str, password: str) -> Person | None:
    """The person these credentials sign in, or None. Every failure looks the same to the caller."""
    badge = badge.strip()
    address = client_address()
    person = _lock(select(Person).where(Person.badge == badge))
    if is_throttled(badge, address):
        verify_password(None, password)  # same cost as a real check
        _remember_attempt(badge, address, False)
        return None
    # An unknown badge costs a (dummy) check too, so that timing does not tell which badges exist.
    ok = verify_password(person.password_hash if person is not None else None, password) \
        and person is not None and person.active
    _remember_attempt(badge, address, ok)
    if not ok:
        return None
    if needs_rehash(person.password_hash):
        person.password_hash = hash_password(password)
    return person


def check_own_password(person: Person, password: str) -> bool:
    """Is ``password`` the signed-in person's current one? Counted and limited like a sign-in, so that a
    browser left signed in is no way around the attempt limit."""
    address = client_address()
    _lock(select(Person).where(Person.id == person.id))
    if is_throttled(person.badge, address):
        verify_password(None, password)
        _remember_attempt(person.badge, address, False)
        return False
    ok = verify_password(person.password_hash, password or "")
    _remember_attempt(person.badge, address, ok)
    return ok


def confirm_password(person: Person, password: str) -> None:
    """A password typed to confirm an act (signing a week): checked and limited as a sign-in is.

    Raises :class:`PasswordRefused`; the caller must let the request commit (the attempt has to count) and
    must not have changed anything before asking."""
    if not check_own_password(person, password):
        raise PasswordRefused(_("The password is wrong, or too many attempts were made. Check it and try "
                                "again in a few minutes."), "password")


# --- Sessions -----------------------------------------------------------------------------------------


def start_session(person: Person) -> str:
    """Open a server-side session for ``person`` and return the token the browser will carry."""
    token = secrets.token_urlsafe(32)
    db.session.add(LoginSession(
        token_hash=_token_hash(token), person_id=person.id, address=client_address(),
        user_agent=(request.user_agent.string or "")[:255]))
    person.login_token = token
    audit.record(person, "auth.sign_in", "person", person.id)
    db.session.flush()
    return token


@lru_cache(maxsize=4)
def _session_query(today: date):
    """Every request's first query, and the page frame's only one: the session's person comes with their role
    grants and the menu's facts, which every page shows. Built once a day: building it costs as much as running
    it."""
    return (select(LoginSession, *navigation.fact_columns(LoginSession.person_id, today))
            .where(LoginSession.token_hash == bindparam("token_hash"))
            .options(joinedload(LoginSession.person).joinedload(Person.grants).joinedload(RoleGrant.unit)))


def load_session(token: str) -> Person | None:
    """The person a browser token signs in, if the session is still open, fresh and its person active."""
    if not token:
        return None
    found = db.session.execute(_session_query(timekeeping.today()),
                               {"token_hash": _token_hash(token)}).unique().one_or_none()
    if found is None:
        return None
    row, reviews, unread = found
    if row.ended_at is not None:
        return None
    cfg = current_app.config
    now = utcnow()
    idle = timedelta(minutes=int(cfg["SESSION_IDLE_MINUTES"]))
    # Flask's own reading of the setting: it may be given as seconds (WORKLOG_PERMANENT_SESSION_LIFETIME).
    lifetime = current_app.permanent_session_lifetime
    if now - row.created_at > lifetime or now - row.last_seen_at > idle:
        _note_session(row.id, ended_at=now, end_reason="expired")
        return None
    person = row.person
    if not person.active:
        return None
    # Touch at most once a minute so that reading pages does not mean a write per request.
    if now - row.last_seen_at > timedelta(minutes=1):
        _note_session(row.id, last_seen_at=now)
    person.login_token = token
    remember_grants(person, person.grants)
    navigation.remember_facts(person.id, reviews, unread)
    return person


def _note_session(row_id: int, **values) -> None:
    """Write on an open session row once the request's transaction is over (see after_this_transaction)."""
    after_this_transaction(lambda: db.session.execute(update(LoginSession).where(
        LoginSession.id == row_id, LoginSession.ended_at.is_(None)).values(**values)))


def end_session(token: str, reason: str = "sign_out") -> None:
    db.session.execute(update(LoginSession).where(
        LoginSession.token_hash == _token_hash(token), LoginSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason))


def end_all_sessions(person: Person, reason: str) -> int:
    result = db.session.execute(update(LoginSession).where(
        LoginSession.person_id == person.id, LoginSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason))
    return result.rowcount or 0


def sign_out(person: Person) -> None:
    if person.login_token:
        end_session(person.login_token)
    audit.record(person, "auth.sign_out", "person", person.id)


# --- Passwords ----------------------------------------------------------------------------------------


def change_password(person: Person, new_password: str, actor: Person) -> None:
    """Set a person's own new password; every session of theirs ends (the caller opens a fresh one)."""
    person.password_hash = hash_password(new_password)
    person.password_changed_at = utcnow()
    person.must_change_password = False
    end_all_sessions(person, "password_changed")
    audit.record(actor, "auth.password_changed", "person", person.id)
    db.session.flush()


def set_temporary_password(person: Person, password: str, actor: Person, reason: str = "") -> None:
    """An administrator's reset: the person must choose a new password at the next sign-in."""
    person.password_hash = hash_password(password)
    person.password_changed_at = utcnow()
    person.must_change_password = True
    end_all_sessions(person, "password_reset")
    audit.record(actor, "person.password_reset", "person", person.id, unit_id=audit.unit_of(person),
                 reason=reason)
    db.session.flush()
