"""Writing notifications: the one place that makes them, and the mail each brings to a person who wants it.

A mail is written to the outbox (``MailMessage``) in the same transaction as the notification and the action it
tells of, rendered then in its person's language: an action rolled back leaves neither. Nothing is sent here; the
background queue (or ``flask mail send``) sends the outbox once the transaction has committed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable

from flask import current_app, g, has_request_context
from flask_babel import force_locale, gettext as _
from sqlalchemy import select, update

from models import MailMessage, MailStatus, Notification, NotificationSetting, Person, utcnow
from worklog import audit
from worklog.errors import ServiceError
from worklog.extensions import db
from worklog.notifications.kinds import KINDS, Kind, kinds_for
from worklog.survey.phones import redact

#: Statement parameters per ``IN (…)`` list (SQLite allows 32,766 in one statement).
CHUNK = 5000


@dataclass
class Message:
    """One notification to write: to whom, the values that word it, its link's arguments, and for a reminder sent
    on a schedule the key that makes a second run send it once."""
    person: Person
    params: dict
    link_args: dict = field(default_factory=dict)
    key: str | None = None


def notify(person: Person, kind: str, params: dict, endpoint: str = "", *, key: str | None = None,
           **link_args) -> Notification | None:
    """A notification to one person; ``endpoint`` and ``link_args`` make its link when it is shown. With a
    ``key``, none is written when the person already has one with that key (None is then returned)."""
    made = tell(kind, [Message(person, params, link_args, key)], endpoint)
    return made[0] if made else None


def tell(kind: str, messages: Iterable[Message], endpoint: str = "") -> list[Notification]:
    """Notifications of one kind to many people at once, each with the mail it brings: the people's choices are
    read in one statement per few thousand people, not one per person."""
    spec = KINDS[kind]
    messages = _unsent(list(messages))
    if not messages:
        return []
    notes = [Notification(person_id=m.person.id, kind=kind, params={**m.params, "link_args": m.link_args},
                          link=endpoint or spec.endpoint, key=m.key) for m in messages]
    db.session.add_all(notes)
    settings = settings_of([m.person.id for m in messages])
    by_mail = [(note, m.person) for note, m in zip(notes, messages)
               if wants_mail(m.person, settings.get(m.person.id), kind)]
    if by_mail:
        db.session.flush()  # the notifications' ids, for their mails
        mails = [render_mail(spec, note, person) for note, person in by_mail]
        db.session.add_all(mails)
        db.session.flush()
        _send_after_commit([mail.id for mail in mails])
    return notes


def _unsent(messages: list[Message]) -> list[Message]:
    """The messages whose key the person has not had yet (nor twice in this list)."""
    keys = sorted({m.key for m in messages if m.key})
    if not keys:
        return messages
    had: set[tuple[int, str]] = set()
    for start in range(0, len(keys), CHUNK):
        had.update((person_id, key) for person_id, key in db.session.execute(
            select(Notification.person_id, Notification.key).where(Notification.key.in_(keys[start:start + CHUNK]))))
    kept = []
    for m in messages:
        if m.key:
            if (m.person.id, m.key) in had:
                continue
            had.add((m.person.id, m.key))
        kept.append(m)
    return kept


def settings_of(person_ids: list[int]) -> dict[int, NotificationSetting]:
    ids = sorted(set(person_ids))
    found: dict[int, NotificationSetting] = {}
    for start in range(0, len(ids), CHUNK):
        found.update((s.person_id, s) for s in db.session.scalars(select(NotificationSetting).where(
            NotificationSetting.person_id.in_(ids[start:start + CHUNK]))))
    return found


def wants_mail(person: Person, setting: NotificationSetting | None, kind: str) -> bool:
    """A mail of its own for this notification (not a digest's line)?"""
    return (setting is not None and not setting.digest and kind in (setting.mail_kinds or [])
            and bool(person.email) and person.active)


# --- Rendering -----------------------------------------------------------------------------------------------------


def language_of(person: Person) -> str:
    languages = current_app.config["LANGUAGES"]
    return person.language if person.language in languages else current_app.config["BABEL_DEFAULT_LOCALE"]


def link_of(endpoint: str, args: dict) -> str:
    """The absolute address of a page for a mail (SITE_URL and the page's path), '' when SITE_URL is not set
    or the page is gone."""
    from werkzeug.routing import BuildError
    site = (current_app.config.get("SITE_URL") or "").rstrip("/")
    if not site or not endpoint:
        return ""
    try:
        path = current_app.url_map.bind("localhost").build(endpoint, args)
    except BuildError:
        return ""
    return site + path


def render_mail(spec: Kind, note: Notification, person: Person) -> MailMessage:
    """The mail of one notification, worded in its person's language."""
    language = language_of(person)
    params = note.params or {}
    with force_locale(language):
        subject = spec.subject(params)
        link = link_of(note.link, params.get("link_args", {}))
        body = mail_body(person, [spec.text(params), link or _("Sign in to Worklog to read it.")],
                         _("Worklog sends this mail because you chose to receive this kind of notification by mail."))
    return MailMessage(person_id=person.id, notification_id=note.id, kind=note.kind, address=person.email,
                       subject=subject_line(subject), body=body, status=MailStatus.queued.value,
                       params={"language": language})


def mail_body(person: Person, paragraphs: list[str], why: str) -> str:
    """A mail's text in the current language: a greeting, the paragraphs, and a footer saying why it came and
    where to change that. Phone numbers a person typed (a comment, a reason) are masked, as on a page."""
    settings = link_of("notifications.settings", {})
    change = _("Change your choices: %(link)s", link=settings) if settings \
        else _("Change your choices on the notifications page, under Mail settings.")
    lines = [_("Hello %(name)s,", name=person.name), ""]
    for paragraph in paragraphs:
        lines += [paragraph, ""]
    lines += ["-- ", why, change, ""]
    return redact("\n".join(lines))


def subject_line(text: str) -> str:
    text = redact(" ".join(text.split()))
    return text if len(text) <= 200 else text[:199] + "…"


def _send_after_commit(ids: list[int]) -> None:
    """With a queue (REDIS_URL), hand the mails to it once the request's transaction has ended; they are sent
    only if it committed them (a rolled-back request leaves no row to send). Without a queue, and outside a
    request, ``flask mail send`` sends them."""
    from worklog.jobs.queue import uses_queue
    if not ids or not uses_queue() or not has_request_context() or not current_app.config.get("MAIL_SERVER"):
        return
    pending = g.get("_mail_ids")
    if pending is None:
        from worklog.web import after_this_transaction
        pending = g._mail_ids = []
        after_this_transaction(lambda: _enqueue(g.pop("_mail_ids", [])))
    pending.extend(ids)


def _enqueue(ids: list[int]) -> None:
    from worklog.notifications.mailer import enqueue
    enqueue(ids)


# --- Reading and choosing ------------------------------------------------------------------------------------------


def mark_read(person: Person) -> int:
    result = db.session.execute(update(Notification).where(
        Notification.person_id == person.id, Notification.read_at.is_(None)).values(read_at=utcnow()))
    return result.rowcount or 0


#: An address: something before one @, a domain of labels with a dot after it; no spaces, no control characters.
_ADDRESS = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                      r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+\Z")
MAX_ADDRESS = 254


def check_address(text: str | None) -> str:
    """The address as it is kept ('' for none), or a refusal worded for the person."""
    text = (text or "").strip()
    if not text:
        return ""
    local = text.rsplit("@", 1)[0]
    if len(text) > MAX_ADDRESS or len(local) > 64 or not _ADDRESS.match(text) or ".." in text \
            or local.startswith(".") or local.endswith("."):
        raise ServiceError(_("Enter a mail address such as name@example.com."), "email")
    return text


SETTING_FIELDS = ("email", "language", "digest", "mail_kinds")


def save_settings(person: Person, data: dict, actor: Person) -> NotificationSetting:
    """A person's own choices: their address, the language of their mails, the kinds that also come by mail, and
    whether as one daily digest. Nobody chooses for someone else."""
    from worklog.permissions import roles_of
    if actor.id != person.id:
        raise ServiceError(_("Only the person themselves chooses how they are told."))
    email = check_address(data.get("email"))
    language = data.get("language") or None
    if language is not None and language not in current_app.config["LANGUAGES"]:
        raise ServiceError(_("Choose one of the languages offered."), "language")
    offered = {kind.code for kind in kinds_for(roles_of(person))}
    chosen = set(data.get("mail_kinds") or [])
    if chosen - offered:
        raise ServiceError(_("Choose among the kinds offered."), "mail_kinds")
    setting = db.session.get(NotificationSetting, person.id)
    before_address = person.email
    # Whether an address is given, not the address: personal data stays out of the audit trail.
    before = {"email": bool(person.email), "language": person.language or "", "digest": bool(setting and setting.digest),
              "mail_kinds": list(setting.mail_kinds or []) if setting else []}
    if setting is None:
        setting = NotificationSetting(person_id=person.id, mail_kinds=[], digest=False)
        db.session.add(setting)
    digest = bool(data.get("digest"))
    if digest and not setting.digest:
        # The first digest lists what comes after this moment: what came before was mailed one by one.
        setting.digest_sent_at = utcnow()
    person.email, person.language = email or None, language
    setting.mail_kinds, setting.digest, setting.updated_at = [c for c in KINDS if c in chosen], digest, utcnow()
    after = {"email": bool(email), "language": language or "", "digest": digest, "mail_kinds": setting.mail_kinds}
    db.session.flush()
    changed_address = (email or None) != (before_address or None)
    if before != after or changed_address:
        audit.record(actor, "notifications.settings_changed", "person", person.id,
                     before={k: v for k, v in before.items() if after[k] != v},
                     after={k: v for k, v in after.items() if before[k] != v or (k == "email" and changed_address)})
    return setting
