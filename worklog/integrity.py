"""Tamper evidence: seals over signed weeks and final months, HMACs and a chain of checkpoints over the audit trail.

What it protects against: someone with write access to the database but not to the application's secrets (a
database administrator, a stolen backup restored elsewhere and copied back, an SQL injection) changing,
inserting or deleting rows that people's pay depends on, without a trace. Everything here is an HMAC keyed with
``INTEGRITY_KEY`` (default: derived from ``SECRET_KEY``), which lives in the instance's configuration, never in
the database: without it nobody can make a digest that ``flask --app app verify`` accepts.

The design, and why it does not serialise the application:

- **Audit events** carry their own HMAC, computed when the event is inserted (a mapper hook, so every writer of
  :func:`worklog.audit.record` is covered without waiting on anyone) over its text and a random nonce. An event
  changed, or inserted without the key, no longer matches. The HMAC cannot cover the event's id (unknown before
  the INSERT); the nonce makes copies of an event detectable, and the checkpoints below pin ids.
- **Checkpoints** (``audit_checkpoint``) chain the events: each lists the id ranges of the events it covers and
  an HMAC over the previous checkpoint's digest, those ranges and the covered events' own HMACs. A deleted event
  is named by the checkpoint that held it. Checkpoints are made in a short step of their own after a request
  that wrote events has committed (at most every ``AUDIT_CHECKPOINT_SECONDS`` per process), by ``verify``, and by
  the migration. On PostgreSQL only one is made at a time (a transaction-level advisory lock taken with *try*:
  whoever finds it taken leaves the work to the holder) and a unique ``prev_id`` forbids a fork, so writing
  requests never wait for each other. Events whose transaction committed after a checkpoint passed their id
  are picked up by the next one (it looks back ``CHECKPOINT_SLACK`` ids for uncovered events).
- **Seals** (``seal``): signing a week stores an HMAC of the week row and of every entry of that week (its
  points, approved points, state, quantity…); finalising a month one of the month row and of every result row
  (person, score, grades, rank, veto, the explanation's digest). Each seal is chained to the previous seal of
  the same officer (weeks) or unit (months); they are made under the row lock signing and finalising already
  take. Reopening a week or a month adds a *reopened* link, so a week found unsigned without one was unsigned
  behind the application's back. ``verify`` recomputes the digests from today's rows and names every entry or
  result changed, deleted or inserted, every seal altered or missing.
- **On PostgreSQL** triggers (migration 0011) refuse UPDATE and DELETE of sealed rows (entries of a signed week,
  a signed week row, a final month row and its results) and of audit events, seals and checkpoints. The reopen
  services, the only legitimate way to change them, first call :func:`allow_reopening`, which sets the
  transaction-local ``worklog.reopening`` the triggers let through. SQLite has no triggers: ``verify`` still sees.

Limits: removing the newest checkpoint together with the events after the one before it, or the newest seal of a
chain together with its week's signature, leaves no link that points at them; ``verify`` prints the heads of
the chains so that an operator can keep them elsewhere. Rotating the key means re-sealing (not provided).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Iterable, NamedTuple

from flask import current_app, g, has_request_context
from sqlalchemy import event, func, insert, select, text, update

from models import (AuditCheckpoint, AuditEvent, Entry, MonthResult, MonthReview, MonthStatus, Person, Seal,
                    SealKind, SealState, Unit, WeekReview, WeekStatus, utcnow)

#: How far below the newest checkpoint a new one looks for events whose transaction committed late.
CHECKPOINT_SLACK = 1000
#: pg_try_advisory_xact_lock key of checkpointing ("WLAUDIT" folded into a bigint).
_LOCK_KEY = 0x574C4155444954
_BATCH = 500


# --- Keys and digests ----------------------------------------------------------------------------------------------


def key(config: dict | None = None) -> bytes:
    """The HMAC key: ``INTEGRITY_KEY`` if set, else one derived from ``SECRET_KEY`` (never stored in the database)."""
    config = config if config is not None else current_app.config
    configured = config.get("INTEGRITY_KEY")
    if configured:
        return configured if isinstance(configured, bytes) else str(configured).encode()
    secret = config.get("SECRET_KEY")
    if not secret:
        raise RuntimeError("Neither INTEGRITY_KEY nor SECRET_KEY is set.")
    secret = secret if isinstance(secret, bytes) else str(secret).encode()
    return hmac.new(secret, b"worklog integrity key v1", hashlib.sha256).digest()


def _plain(value: Any) -> Any:
    """One spelling for each value whatever the database gave back: Decimal('1.50') and 1.5 from SQLite's
    REAL are both '1.5'; timestamps in UTC; JSON as it reads back after a round trip."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, (Decimal, float)):
        number = Decimal(str(value)).normalize()
        return format(number, "f") if number != 0 else "0"
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "value"):  # an enum
        return value.value
    if isinstance(value, (dict, list, tuple)):
        return json.loads(json.dumps(value, default=str))
    return str(value)


def _canonical(values: Iterable[Any]) -> bytes:
    return json.dumps([_plain(v) for v in values], sort_keys=True, ensure_ascii=False,
                      separators=(",", ":"), default=str).encode()


def mac(secret: bytes, *values: Any) -> str:
    return hmac.new(secret, _canonical(values), hashlib.sha256).hexdigest()


def _same(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and hmac.compare_digest(a, b)


# --- Audit events: an HMAC each, at insert -------------------------------------------------------------------------


def event_mac(secret: bytes, event_row: Any) -> str:
    """The event's HMAC. The API client behind an event (migration 0014) is covered when there is one; events
    without one keep the HMAC they were given before the column existed."""
    values = ["audit", event_row.nonce, event_row.at, event_row.actor_id, event_row.action, event_row.object_type,
              event_row.object_id, event_row.unit_id, event_row.before, event_row.after, event_row.reason or ""]
    client_id = getattr(event_row, "api_client_id", None)
    if client_id is not None:
        values.append({"api_client_id": client_id})
    return mac(secret, *values)


def _on_audit_insert(_mapper, _connection, target: AuditEvent) -> None:
    if target.at is None:
        target.at = utcnow()
    if target.reason is None:
        target.reason = ""
    target.nonce = secrets.token_hex(8)
    target.mac = event_mac(key(), target)
    if has_request_context() and not g.get("_audit_checkpoint_due"):
        g._audit_checkpoint_due = True
        from worklog.web import after_this_transaction
        after_this_transaction(checkpoint_soon)


def init_app(app) -> None:
    """Hook the HMAC of audit events into every flush (once per process: mapper events are global)."""
    if not event.contains(AuditEvent, "before_insert", _on_audit_insert):
        event.listen(AuditEvent, "before_insert", _on_audit_insert)


# --- Checkpoints over the audit trail ------------------------------------------------------------------------------


def _ranges(ids: list[int]) -> list[list[int]]:
    out: list[list[int]] = []
    for i in ids:
        if out and out[-1][1] == i - 1:
            out[-1][1] = i
        else:
            out.append([i, i])
    return out


def _ids_of(ranges: list[list[int]]) -> Iterable[int]:
    for first, last in ranges:
        yield from range(first, last + 1)


def checkpoint_mac(secret: bytes, prev_digest: str | None, ranges: list, pairs: Iterable[tuple[int, str]]) -> str:
    events = hashlib.sha256()
    for event_id, event_mac_ in pairs:
        events.update(f"{event_id}:{event_mac_ or ''}\n".encode())
    return mac(secret, "checkpoint", prev_digest or "", ranges, events.hexdigest())


_last_checkpoint_try = 0.0


def checkpoint_soon() -> None:
    """After a request that wrote audit events: a checkpoint, unless this process made one a moment ago."""
    global _last_checkpoint_try
    interval = current_app.config.get("AUDIT_CHECKPOINT_SECONDS", 5)
    now = time.monotonic()
    if interval and now - _last_checkpoint_try < interval:
        return
    _last_checkpoint_try = now
    from worklog.extensions import db
    checkpoint(db.session)


def _dialect(session) -> str:
    bind = session.get_bind() if hasattr(session, "get_bind") else session
    return bind.dialect.name


def checkpoint(session, secret: bytes | None = None, limit: int = 100_000) -> int | None:
    """Chain the events no checkpoint covers yet (at most about ``limit`` of them, so that ``verify`` never needs
    more than that many in memory at once). Returns the new checkpoint's id, or None (nothing new, or another
    process is making one). The caller commits."""
    secret = secret or key()
    if _dialect(session) == "postgresql":
        if not session.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": _LOCK_KEY}).scalar():
            return None
    last = session.execute(select(AuditCheckpoint.id, AuditCheckpoint.last_id, AuditCheckpoint.digest)
                           .order_by(AuditCheckpoint.id.desc()).limit(1)).first()
    low = max(0, last.last_id - CHECKPOINT_SLACK) if last else 0
    covered: set[int] = set()
    for (ranges,) in session.execute(select(AuditCheckpoint.ranges).where(AuditCheckpoint.last_id > low)):
        for first, end in ranges:
            covered.update(range(max(first, low + 1), end + 1))
    new = [(row.id, row.mac) for row in session.execute(
        select(AuditEvent.id, AuditEvent.mac).where(AuditEvent.id > low).order_by(AuditEvent.id)
        .limit(limit + len(covered)))
        if row.id not in covered]
    if not new:
        return None
    ranges = _ranges([event_id for event_id, _ in new])
    digest = checkpoint_mac(secret, last.digest if last else None, ranges, new)
    result = session.execute(insert(AuditCheckpoint).values(
        made_at=utcnow(), ranges=ranges, first_id=new[0][0], last_id=new[-1][0], events=len(new),
        prev_id=last.id if last else None, digest=digest))
    return result.inserted_primary_key[0]


# --- Seals over signed weeks and final months ----------------------------------------------------------------------


def allow_reopening(session) -> None:
    """Let this transaction change sealed rows: only the recorded reopening of a week or a month calls it. On
    PostgreSQL the triggers of migration 0011 refuse such changes otherwise."""
    if _dialect(session) == "postgresql":
        session.execute(text("SET LOCAL worklog.reopening = 'on'"))


def _entry_columns():
    return (Entry.id, Entry.person_id, Entry.work_date, Entry.task_type_id, Entry.quantity, Entry.hours,
            Entry.completion, Entry.standard_points, Entry.completion_factor, Entry.coefficient, Entry.points,
            Entry.approved_points, Entry.status, Entry.returned_count)


def entry_mac(secret: bytes, row) -> str:
    return mac(secret, "entry", row.id, row.person_id, row.work_date, row.task_type_id, row.quantity, row.hours,
               row.completion, row.standard_points, row.completion_factor, row.coefficient, row.points,
               row.approved_points, row.status, row.returned_count)


def _week_columns():
    return (WeekReview.id, WeekReview.person_id, WeekReview.week_start, WeekReview.unit_id, WeekReview.status,
            WeekReview.signed_by_id, WeekReview.entries, WeekReview.points, WeekReview.approved_points)


def week_head_mac(secret: bytes, row) -> str:
    return mac(secret, "week", row.id, row.person_id, row.week_start, row.unit_id, row.status, row.signed_by_id,
               row.entries, row.points, row.approved_points)


def _result_columns():
    return (MonthResult.id, MonthResult.month_review_id, MonthResult.person_id, MonthResult.approved_points,
            MonthResult.score, MonthResult.veto, MonthResult.rank, MonthResult.proposed_grade,
            MonthResult.override_grade, MonthResult.final_grade, MonthResult.explanation)


def result_mac(secret: bytes, row) -> str:
    explanation = hashlib.sha256(_canonical([row.explanation])).hexdigest()
    return mac(secret, "result", row.id, row.person_id, row.approved_points, row.score, row.veto, row.rank,
               row.proposed_grade, row.override_grade, row.final_grade, explanation)


def _month_columns():
    return (MonthReview.id, MonthReview.unit_id, MonthReview.month, MonthReview.status, MonthReview.rule_set_id,
            MonthReview.finalised_by_id)


def month_head_mac(secret: bytes, row) -> str:
    return mac(secret, "month", row.id, row.unit_id, row.month, row.status, row.rule_set_id, row.finalised_by_id)


def seal_mac(secret: bytes, row, prev_digest: str | None) -> str:
    return mac(secret, "seal", row.kind, row.object_id, row.subject_id, row.period, row.state, row.actor_id,
               row.items, prev_digest or "")


def _week_items(session, secret: bytes, reviews: list) -> dict[int, dict[str, str]]:
    """The items of each week review: its head and every entry of the officer's week, in one query a batch."""
    items = {review.id: {"head": week_head_mac(secret, review)} for review in reviews}
    if not reviews:
        return items
    by_week = {(review.person_id, review.week_start): review.id for review in reviews}
    rows = session.execute(select(*_entry_columns()).where(
        Entry.person_id.in_({review.person_id for review in reviews}),
        Entry.work_date >= min(review.week_start for review in reviews),
        Entry.work_date <= max(review.week_start for review in reviews) + timedelta(days=6)))
    for row in rows:
        review_id = by_week.get((row.person_id, row.work_date - timedelta(days=row.work_date.weekday())))
        if review_id is not None:
            items[review_id][f"e{row.id}"] = entry_mac(secret, row)
    return items


def _month_items(session, secret: bytes, reviews: list) -> dict[int, dict[str, str]]:
    items = {review.id: {"head": month_head_mac(secret, review)} for review in reviews}
    if not reviews:
        return items
    for row in session.execute(select(*_result_columns()).where(
            MonthResult.month_review_id.in_(list(items)))):
        items[row.month_review_id][f"p{row.person_id}"] = result_mac(secret, row)
    return items


class _SealFields(NamedTuple):
    """What a seal's HMAC covers, before it is a row."""
    kind: str
    object_id: int
    subject_id: int
    period: date
    state: str
    actor_id: int | None
    items: dict


def _add_seal(session, secret: bytes, kind: str, object_id: int, subject_id: int, period: date, state: str,
              actor_id: int | None, items: dict) -> int:
    prev = session.execute(select(Seal.id, Seal.digest).where(Seal.kind == kind, Seal.subject_id == subject_id)
                           .order_by(Seal.id.desc()).limit(1)).first()
    row = _SealFields(kind, object_id, subject_id, period, state, actor_id, items)
    digest = seal_mac(secret, row, prev.digest if prev else None)
    result = session.execute(insert(Seal).values(
        kind=kind, object_id=object_id, subject_id=subject_id, period=period, state=state, actor_id=actor_id,
        made_at=utcnow(), items=items, prev_id=prev.id if prev else None, digest=digest))
    return result.inserted_primary_key[0]


def seal_week(session, review: WeekReview, actor: Person | None) -> int:
    """Seal a week just signed (its row flushed): called by signing, under the week's row lock."""
    secret = key()
    head = session.execute(select(*_week_columns()).where(WeekReview.id == review.id)).one()
    items = _week_items(session, secret, [head])[review.id]
    return _add_seal(session, secret, SealKind.week.value, review.id, review.person_id, review.week_start,
                     SealState.sealed.value, actor.id if actor else None, items)


def seal_month(session, review: MonthReview, actor: Person | None) -> int:
    """Seal a month just finalised (its row flushed): called by finalising, under the month's row lock."""
    secret = key()
    head = session.execute(select(*_month_columns()).where(MonthReview.id == review.id)).one()
    items = _month_items(session, secret, [head])[review.id]
    return _add_seal(session, secret, SealKind.month.value, review.id, review.unit_id, review.month,
                     SealState.sealed.value, actor.id if actor else None, items)


def record_reopening(session, kind: SealKind, review, actor: Person | None) -> int:
    """The recorded way back: a link saying the week or month was reopened, so ``verify`` expects it open."""
    subject = review.person_id if kind == SealKind.week else review.unit_id
    period = review.week_start if kind == SealKind.week else review.month
    return _add_seal(session, key(), kind.value, review.id, subject, period, SealState.reopened.value,
                     actor.id if actor else None, {})


def _latest_seals(session, kind: str) -> dict[int, Any]:
    latest: dict[int, Any] = {}
    for row in session.execute(select(Seal.id, Seal.object_id, Seal.state).where(Seal.kind == kind)
                               .order_by(Seal.id)):
        latest[row.object_id] = row
    return latest


def seal_missing(session, secret: bytes | None = None) -> dict[str, int]:
    """Seal every signed week and final month that has no current seal: the migration's backfill, and data loaded
    in bulk (the demo). Returns how many of each were sealed."""
    secret = secret or key()
    counts = {"weeks": 0, "months": 0}
    for kind, columns, model, sealed_status, items_of, subject, period in (
            (SealKind.week.value, _week_columns(), WeekReview, WeekStatus.signed.value, _week_items, "person_id",
             "week_start"),
            (SealKind.month.value, _month_columns(), MonthReview, MonthStatus.final.value, _month_items, "unit_id",
             "month")):
        latest = _latest_seals(session, kind)
        todo = [row for row in session.execute(select(*columns).where(model.status == sealed_status)
                                               .order_by(model.id))
                if latest.get(row.id) is None or latest[row.id].state != SealState.sealed.value]
        for start in range(0, len(todo), _BATCH):
            batch = todo[start:start + _BATCH]
            items = items_of(session, secret, batch)
            for row in batch:
                _add_seal(session, secret, kind, row.id, getattr(row, subject), getattr(row, period),
                          SealState.sealed.value, None, items[row.id])
        counts["weeks" if kind == SealKind.week.value else "months"] += len(todo)
    return counts


def backfill(connection, secret: bytes) -> dict[str, int]:
    """Migration 0011: HMACs for the audit events written before it, seals for the weeks and months already
    sealed, and a first checkpoint, so that ``verify`` is clean right after upgrading."""
    from sqlalchemy import bindparam
    events = 0
    last = 0
    table = AuditEvent.__table__
    while True:
        # The columns migration 0011 knew: later migrations add others, which the rows here do not have yet.
        rows = connection.execute(select(*(table.c[name] for name in _EVENT_COLUMNS_0011))
                                  .where(table.c.id > last, table.c.mac.is_(None))
                                  .order_by(table.c.id).limit(5000)).all()
        if not rows:
            break
        values = []
        for row in rows:
            nonce = secrets.token_hex(8)
            values.append({"b_id": row.id, "b_nonce": nonce, "b_mac": event_mac(secret, _WithNonce(row, nonce))})
        connection.execute(update(table).where(table.c.id == bindparam("b_id"))
                           .values(nonce=bindparam("b_nonce"), mac=bindparam("b_mac")), values)
        events += len(rows)
        last = rows[-1].id
    counts = seal_missing(connection, secret)
    while checkpoint(connection, secret) is not None:
        pass
    return {"events": events, **counts}


_EVENT_COLUMNS_0011 = ("id", "at", "actor_id", "action", "object_type", "object_id", "unit_id", "before", "after",
                       "reason")


class _WithNonce:
    def __init__(self, row, nonce: str):
        self._row, self.nonce = row, nonce

    def __getattr__(self, name):
        return getattr(self._row, name)


# --- verify --------------------------------------------------------------------------------------------------------


@dataclass
class Report:
    findings: list[str] = field(default_factory=list)
    checked: dict[str, int] = field(default_factory=dict)
    heads: dict[str, str] = field(default_factory=dict)

    def add(self, text_: str) -> None:
        self.findings.append(text_)

    @property
    def clean(self) -> bool:
        return not self.findings


def verify(session, secret: bytes | None = None) -> Report:
    """Recompute every digest from today's rows and name whatever was changed, inserted or deleted outside the
    application. Reads each table in batches; writes nothing."""
    secret = secret or key()
    report = Report()
    _verify_audit(session, secret, report)
    _verify_seals(session, secret, report)
    return report


_EVENT_CHUNK = 20_000


def _verify_audit(session, secret: bytes, report: Report) -> None:
    """Events in id order, a chunk at a time, checked against their HMACs; checkpoints in order, each against the
    chunk window that holds its ids (a checkpoint reaches at most CHECKPOINT_SLACK ids below the one before it), so
    memory stays bounded whatever the length of the trail."""
    columns = (AuditEvent.id, AuditEvent.nonce, AuditEvent.mac, AuditEvent.at, AuditEvent.actor_id,
               AuditEvent.action, AuditEvent.object_type, AuditEvent.object_id, AuditEvent.unit_id,
               AuditEvent.before, AuditEvent.after, AuditEvent.reason, AuditEvent.api_client_id)
    window: dict[int, str | None] = {}
    state = {"loaded": 0, "done": False, "events": 0}

    def load_through(event_id: int) -> None:
        while not state["done"] and state["loaded"] < event_id:
            rows = session.execute(select(*columns).where(AuditEvent.id > state["loaded"]).order_by(AuditEvent.id)
                                   .limit(_EVENT_CHUNK)).all()
            if not rows:
                state["done"] = True
                break
            for row in rows:
                window[row.id] = row.mac
                if row.nonce is None or row.mac is None:
                    report.add(f"inserted: audit event {row.id} ({row.action}) carries no HMAC")
                elif not _same(row.mac, event_mac(secret, row)):
                    report.add(f"changed: audit event {row.id} ({row.action}) no longer matches its HMAC "
                               "(its text, time, actor or object was altered, or it was inserted without the key)")
            state["events"] += len(rows)
            state["loaded"] = rows[-1].id

    previous = None
    count = 0
    for cp in session.execute(select(AuditCheckpoint).order_by(AuditCheckpoint.id)).scalars():
        count += 1
        if cp.prev_id != (previous.id if previous is not None else None):
            report.add(f"deleted: audit checkpoint {cp.prev_id} (checkpoint {cp.id} follows it)"
                       if cp.prev_id is not None else f"inserted: audit checkpoint {cp.id} starts a second chain")
        load_through(cp.last_id)
        missing = [event_id for event_id in _ids_of(cp.ranges) if event_id not in window]
        for event_id in missing:
            report.add(f"deleted: audit event {event_id} (held by audit checkpoint {cp.id})")
        prev_digest = previous.digest if previous is not None and cp.prev_id == previous.id else None
        if not missing and (cp.prev_id is None or prev_digest is not None):
            expected = checkpoint_mac(secret, prev_digest, cp.ranges,
                                      ((event_id, window.get(event_id)) for event_id in _ids_of(cp.ranges)))
            if not _same(cp.digest, expected):
                report.add(f"changed: audit checkpoint {cp.id} (events {cp.first_id}–{cp.last_id}): the "
                           "checkpoint or the HMACs of the events it holds were altered")
        # Later checkpoints reach back at most CHECKPOINT_SLACK ids below this one's last.
        for event_id in [i for i in window if i <= cp.last_id - CHECKPOINT_SLACK - 1]:
            del window[event_id]
        previous = cp
    load_through(10 ** 18)
    for nonce, first, copies in session.execute(
            select(AuditEvent.nonce, func.min(AuditEvent.id), func.count()).where(AuditEvent.nonce.is_not(None))
            .group_by(AuditEvent.nonce).having(func.count() > 1)):
        report.add(f"inserted: {copies - 1} copies of audit event {first} (the same nonce and HMAC)")
    report.checked["audit events"] = state["events"]
    report.checked["audit checkpoints"] = count
    if previous is not None:
        report.heads["audit"] = f"checkpoint {previous.id} {previous.digest}"


def _verify_chains(session, secret: bytes, report: Report) -> dict[tuple[str, int], tuple[int, str, date]]:
    """Each officer's and unit's chain of seals, one chain in memory at a time. Returns the latest seal of each
    sealed object: (kind, object id) → (seal id, state, period)."""
    latest: dict[tuple[str, int], tuple[int, str, date]] = {}
    chain: dict[int, str] = {}
    owner = None
    count = 0
    rows = session.execute(select(Seal).order_by(Seal.kind, Seal.subject_id, Seal.id)
                           .execution_options(yield_per=2000)).scalars()
    for seal in rows:
        count += 1
        if (seal.kind, seal.subject_id) != owner:
            owner, chain = (seal.kind, seal.subject_id), {}
        whose = f"{seal.kind} chain of {'officer' if seal.kind == 'week' else 'unit'} {seal.subject_id}"
        prev_digest = chain.get(seal.prev_id) if seal.prev_id is not None else None
        if seal.prev_id is not None and prev_digest is None:
            report.add(f"deleted: seal {seal.prev_id} ({whose}; seal {seal.id} follows it)")
        elif not _same(seal.digest, seal_mac(secret, seal, prev_digest)):
            report.add(f"changed: seal {seal.id} ({seal.kind} {seal.period.isoformat()}) no longer matches its HMAC")
        chain[seal.id] = seal.digest
        key_ = (seal.kind, seal.object_id)
        if key_ not in latest or latest[key_][0] < seal.id:
            latest[key_] = (seal.id, seal.state, seal.period)
    report.checked["seals"] = count
    return latest


def _verify_seals(session, secret: bytes, report: Report) -> None:
    latest = _verify_chains(session, secret, report)
    people = dict(session.execute(select(Person.id, Person.badge)).all())
    units = dict(session.execute(select(Unit.id, Unit.code)).all())

    def week_name(person_id, monday, review_id):
        return f"the signed week {monday.isoformat()} of officer {people.get(person_id, person_id)} " \
               f"(week review {review_id})"

    def month_name(unit_id, month, review_id):
        return f"the final month {month:%Y-%m} of unit {units.get(unit_id, unit_id)} (month review {review_id})"

    for kind, model, columns, sealed_status, items_of, name_of, subject_attr, period_attr, what in (
            ("week", WeekReview, _week_columns(), WeekStatus.signed.value, _week_items, week_name, "person_id",
             "week_start", "week review"),
            ("month", MonthReview, _month_columns(), MonthStatus.final.value, _month_items, month_name, "unit_id",
             "month", "month review")):
        present: set[int] = set()
        checked = 0
        batch: list = []

        def compare(batch: list) -> None:
            current = items_of(session, secret, batch)
            sealed_items = dict(session.execute(select(Seal.id, Seal.items).where(
                Seal.id.in_([latest[(kind, row.id)][0] for row in batch]))).all())
            for row in batch:
                sealed = sealed_items[latest[(kind, row.id)][0]]
                now = current[row.id]
                name = name_of(getattr(row, subject_attr), getattr(row, period_attr), row.id)
                for item in sorted(set(sealed) | set(now), key=_item_order):
                    label = _item_label(item, people, what, row.id)
                    if item not in now:
                        report.add(f"deleted: {label} in {name}")
                    elif item not in sealed:
                        report.add(f"inserted: {label} in {name}")
                    elif not _same(sealed[item], now[item]):
                        report.add(f"changed: {label} in {name}")

        for row in session.execute(select(*columns).order_by(model.id).execution_options(yield_per=5000)):
            present.add(row.id)
            seal = latest.get((kind, row.id))
            if row.status == sealed_status:
                if seal is None or seal[1] != SealState.sealed.value:
                    report.add(f"unsealed: {name_of(getattr(row, subject_attr), getattr(row, period_attr), row.id)} "
                               "has no seal: it was sealed behind the application's back")
                    continue
                batch.append(row)
                checked += 1
                if len(batch) >= _BATCH:
                    compare(batch)
                    batch = []
            elif seal is not None and seal[1] == SealState.sealed.value:
                report.add(f"changed: {what} {row.id} ({getattr(row, period_attr).isoformat()}) was sealed and is "
                           f"now {row.status}, without a recorded reopening")
        if batch:
            compare(batch)
        for (seal_kind, object_id), (seal_id, seal_state, period) in latest.items():
            if seal_kind == kind and object_id not in present and seal_state == SealState.sealed.value:
                report.add(f"deleted: {what} {object_id} ({period.isoformat()}, sealed by seal {seal_id})")
        report.checked[f"sealed {kind}s"] = checked


def _item_order(item: str) -> tuple:
    return (item != "head", item[:1], int(item[1:]) if item[1:].isdigit() else 0)


def _item_label(item: str, people: dict, what: str, object_id: int) -> str:
    if item == "head":
        return f"the {what} row {object_id} itself"
    if item.startswith("e"):
        return f"entry {item[1:]}"
    if item.startswith("p"):
        person_id = int(item[1:])
        return f"the month result of officer {people.get(person_id, person_id)}"
    return item
