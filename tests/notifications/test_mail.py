"""Mail through a real SMTP server started by the test: written with the action, sent after it by ``flask mail send``,
never by the request; once; in the person's language; none for an action rolled back; the digest; the choices;
failures tried again and then given up."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from models import MailMessage, Notification
from tests.factories import sign_in, state_counts
from tests.notifications.conftest import choose, free_port, outbox, setting_of
from tests.weekly.conftest import MONDAY, week  # noqa: F401  (the week fixture, shared)
from worklog import notifications
from worklog.extensions import db

pytestmark = pytest.mark.postgres


def _return(client, org, entry, comment="Which households?"):
    sign_in(client, org["supervisor_a"].badge)
    response = client.post(f"/review/entries/{entry.id}/return", data={"comment": comment})
    client.post("/sign-out")
    return response


def test_a_request_writes_the_mail_and_never_sends_it_the_command_sends_it_once(app, client, runner, org, week,
                                                                                   smtp):
    officer = org["officer_a"]
    choose(officer, ["entry_returned"])
    assert _return(client, org, week[1]).status_code == 302
    # The server was up the whole time, and yet nothing arrived: the request only wrote the outbox.
    assert smtp.mails == []
    [mail] = outbox()
    assert (mail.status, mail.attempts, mail.address, mail.kind) == ("queued", 0, "200002@example.invalid",
                                                                    "entry_returned")
    note = db.session.scalar(select(Notification).where(Notification.id == mail.notification_id))
    assert note.person_id == officer.id and note.kind == "entry_returned"

    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    assert "1 mail(s) sent" in result.output
    [received] = smtp.to("200002@example.invalid")
    assert received["Subject"] == "Entry returned: Home visit of 2026-11-16"
    body = received.get_content()
    assert "Supervisor A returned your entry" in body and "Which households?" in body
    assert f"https://worklog.example.invalid/day/{week[1].work_date.isoformat()}" in body
    assert "https://worklog.example.invalid/notifications/settings" in body
    assert received["From"] == "Worklog <worklog@example.invalid>"
    [mail] = outbox()
    assert (mail.status, mail.attempts, mail.error) == ("sent", 1, "") and mail.sent_at is not None

    # Sending again sends nothing more.
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0 and "0 mail(s) sent" in result.output
    assert len(smtp.mails) == 1


def test_each_person_in_their_own_language(app, client, runner, org, catalog, smtp):
    """The same kind of notification, at the same moment, to a person who reads Chinese and one who reads English:
    each mail is worded in its reader's language, whoever's request wrote it."""
    from tests.weekly.conftest import log_week
    officer_b = org["officer_b"]
    choose(org["officer_a"], ["task_assigned"], language="zh_CN")
    choose(officer_b, ["task_assigned"], language="en")
    log_week(app, org["officer_a"], catalog)
    # Officer B supervised by supervisor A, so that one assignment reaches both.
    from worklog.admin import services as admin
    admin.assign(officer_b, {"department": org.dept_a, "post": org.post, "supervisor": org["supervisor_a"],
                             "valid_from": MONDAY}, None)
    db.session.commit()
    sign_in(client, org["supervisor_a"].badge)
    response = client.post("/review/tasks", data={
        "task_type": catalog["T1"].id, "officers": [org["officer_a"].id, officer_b.id], "expected_quantity": "2",
        "due_date": "2026-11-30", "note": ""})
    assert response.status_code == 302, response.get_data(as_text=True)
    # The page goes on in its reader's language after a mail was worded in another.
    assert "Task assigned to 2 officers." in client.get(response.headers["Location"]).get_data(as_text=True)
    assert runner.invoke(args=["mail", "send"]).exit_code == 0
    [zh] = smtp.subjects("200002@example.invalid")
    [en] = smtp.subjects("300002@example.invalid")
    assert en == "Task assigned: Patrol"
    assert zh == "派工：Patrol"  # the Chinese catalog's words, though the request was made in English
    zh_body = smtp.to("200002@example.invalid")[0].get_content()
    en_body = smtp.to("300002@example.invalid")[0].get_content()
    assert "Hello Officer B," in en_body and "Hello" not in zh_body and "Supervisor A向您派工“Patrol”" in zh_body


def test_a_rolled_back_action_leaves_no_mail_and_nothing_arrives(app, client, runner, org, week, smtp):
    """The notification and its mail are written in the action's transaction: when the action fails after them,
    neither is kept, and nothing is ever sent."""
    from worklog.errors import ServiceError
    from worklog.weekly import services as weekly
    choose(org["officer_a"], ["entry_returned"])
    entry_id = week[1].id

    def returns_then_fails():
        from models import Entry
        from worklog.web import current_person, refuse
        entry = db.session.get(Entry, entry_id)
        weekly.return_entry(entry, "Which households?", current_person())
        assert db.session.scalar(select(MailMessage.id)) is not None  # written, in this transaction
        # A later step of the same action refuses (as a check after the notification would).
        from flask_wtf import FlaskForm
        refuse(FlaskForm(), ServiceError("Refused after the notification."))
        return "refused", 422

    app.add_url_rule("/test/return-then-fail", "test_return_then_fail", returns_then_fails, methods=["POST"])
    sign_in(client, org["supervisor_a"].badge)
    before = state_counts()
    assert client.post("/test/return-then-fail").status_code == 422
    assert state_counts() == before
    assert outbox() == [] and db.session.scalar(select(Notification.id)) is None
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0 and "0 mail(s) sent" in result.output
    assert smtp.mails == []

    # And the same outside any request: a command's transaction rolled back keeps nothing either.
    weekly.return_entry(db.session.get(type(week[1]), entry_id), "Which households?", org["supervisor_a"])
    assert db.session.scalar(select(MailMessage.id)) is not None
    db.session.rollback()
    assert outbox() == [] and db.session.scalar(select(Notification.id)) is None


def test_a_request_succeeds_while_the_mail_server_is_down(app, client, runner, org, week):
    """No server listens on MAIL_PORT: the action is done all the same, its mail waits, and the command says so."""
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_TIMEOUT=2, MAIL_MAX_ATTEMPTS=2)
    choose(org["officer_a"], ["entry_returned"])
    assert _return(client, org, week[1]).status_code == 302
    [mail] = outbox()
    assert mail.status == "queued" and mail.attempts == 0

    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code != 0 and "Sending stopped" in result.output
    [mail] = outbox()
    assert mail.status == "queued" and mail.attempts == 1 and "Connection" in mail.error
    # The second failure is its last try (MAIL_MAX_ATTEMPTS = 2): marked failed, and never tried again.
    runner.invoke(args=["mail", "send"])
    [mail] = outbox()
    assert mail.status == "failed" and mail.attempts == 2
    assert runner.invoke(args=["mail", "send"]).exit_code == 0
    assert outbox()[0].attempts == 2


def test_a_refused_address_is_tried_again_and_the_others_go(app, client, runner, org, week, smtp):
    app.config["MAIL_MAX_ATTEMPTS"] = 2
    choose(org["officer_a"], ["entry_returned"], email="nobody@example.invalid")
    choose(org["supervisor_a"], ["week_signed"])
    smtp.refuse.add("nobody@example.invalid")
    _return(client, org, week[1])
    notifications.notify(org["supervisor_a"], "week_signed", {"week": MONDAY.isoformat(), "by": "Someone",
                                                              "entries": 1, "points": "2"})
    db.session.commit()
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    assert "1 mail(s) sent, 1 to try again" in result.output and "No such mailbox" in result.output
    assert [m["To"] for m in smtp.mails] == ["200001@example.invalid"]
    refused = outbox("queued")[0]
    assert refused.attempts == 1 and "550" in refused.error
    runner.invoke(args=["mail", "send"])
    assert outbox("failed")[0].id == refused.id
    assert len(smtp.mails) == 1


def test_a_mail_claimed_by_another_sender_is_not_sent_twice(app, org, week, smtp):
    from worklog.notifications import mailer
    choose(org["officer_a"], ["entry_returned"])
    from worklog.weekly import services as weekly
    weekly.return_entry(week[1], "Which households?", org["supervisor_a"])
    weekly.return_entry(week[3], "And these?", org["supervisor_a"])
    db.session.commit()
    first, second = (m.id for m in outbox())
    # Another worker claimed the first a moment ago (and is sending it): this one sends only the second.
    assert mailer._claim(first) is not None
    report = mailer.send_queued()
    assert (report.sent, report.skipped) == (1, 0)
    assert len(smtp.mails) == 1
    # Both workers were handed both ids: the one that comes second finds nothing left to claim.
    assert mailer._claim(second) is None
    assert mailer.send_queued([first, second]).sent == 0
    assert len(smtp.mails) == 1


def test_no_mail_server_no_mail_and_the_command_says_so(app, client, runner, org, week):
    choose(org["officer_a"], ["entry_returned"])
    _return(client, org, week[1])
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code != 0
    assert "MAIL_SERVER is not set: nothing was sent; 1 mail(s) wait in the outbox." in result.output
    assert outbox()[0].status == "queued" and outbox()[0].attempts == 0


# --- Each person's choices ------------------------------------------------------------------------------------------


def test_choices_decide_what_comes_by_mail_and_every_notification_stays_in_the_app(app, client, runner, org, week,
                                                                                      smtp):
    from worklog.weekly import services as weekly
    officer = org["officer_a"]
    # Not chosen: in the app only.
    choose(officer, ["task_assigned"])
    weekly.return_entry(week[1], "One", org["supervisor_a"])
    db.session.commit()
    assert outbox() == []
    # Chosen, but no address: in the app only.
    choose(officer, ["entry_returned"], email="")
    weekly.return_entry(week[3], "Two", org["supervisor_a"])
    db.session.commit()
    assert outbox() == []
    # Chosen, with an address, but as a digest: nothing at once.
    choose(officer, ["entry_returned"], digest=True)
    weekly.return_entry(week[5], "Three", org["supervisor_a"])
    db.session.commit()
    assert outbox() == []
    # Chosen, one by one: a mail.
    choose(officer, ["entry_returned"])
    weekly.return_entry(week[7], "Four", org["supervisor_a"])
    db.session.commit()
    assert [m.kind for m in outbox()] == ["entry_returned"]
    # Somebody who never chose gets nothing by mail, whatever their address.
    officer_b = org["officer_b"]
    officer_b.email = "300002@example.invalid"
    notifications.notify(officer_b, "entry_returned", {"task": "x", "day": "2026-11-16", "by": "y", "comment": "z"})
    db.session.commit()
    assert len(outbox()) == 1
    assert db.session.scalar(select(Notification.id).where(Notification.person_id == officer.id)
                             .order_by(Notification.id.desc())) is not None
    assert len(list(db.session.scalars(select(Notification).where(Notification.person_id == officer.id)))) == 4


def test_the_digest_lists_everything_since_the_last_one_in_one_mail(app, client, runner, org, week, smtp):
    from worklog.weekly import services as weekly
    officer = org["officer_a"]
    # Before choosing the digest: mailed one by one, and not listed again by the first digest.
    choose(officer, ["entry_returned", "week_signed"])
    weekly.return_entry(week[1], "Before the digest", org["supervisor_a"])
    db.session.commit()
    choose(officer, ["entry_returned", "week_signed"], digest=True, language="zh_CN")
    weekly.return_entry(week[3], "First", org["supervisor_a"])
    weekly.return_entry(week[5], "Second", org["supervisor_a"])
    notifications.notify(officer, "task_assigned", {"task": "Not chosen", "quantity": "1", "due": "", "by": "",
                                                    "note": ""})
    notifications.notify(officer, "week_signed", {"week": MONDAY.isoformat(), "by": "Supervisor A", "entries": 9,
                                                  "points": "18"})
    db.session.commit()
    assert [m.kind for m in outbox()] == ["entry_returned"]  # the one before the digest

    result = runner.invoke(args=["mail", "digest"])
    assert result.exit_code == 0, result.output
    assert "1 digest(s) written." in result.output
    digests = [m for m in smtp.to("200002@example.invalid") if "Before the digest" not in m.get_content()]
    [digest] = digests
    body = digest.get_content()
    assert "First" in body and "Second" in body and "2026-11-16" in body
    assert "Not chosen" not in body and "Before the digest" not in body
    assert "3" in str(digest["Subject"]) and "Worklog: " not in str(digest["Subject"])  # worded in Chinese
    # Nothing new: no digest.
    result = runner.invoke(args=["mail", "digest"])
    assert "0 digest(s) written." in result.output
    # One more: the next digest lists it alone.
    weekly.return_entry(week[7], "Third", org["supervisor_a"])
    db.session.commit()
    runner.invoke(args=["mail", "digest"])
    last = smtp.to("200002@example.invalid")[-1].get_content()
    assert "Third" in last and "First" not in last
    assert setting_of(officer).digest_sent_at is not None
    assert len(smtp.to("200002@example.invalid")) == 2  # the mail before the digest still waits for `mail send`


def test_a_digest_written_without_a_server_waits_in_the_outbox(app, runner, org, week):
    from worklog.weekly import services as weekly
    choose(org["officer_a"], ["entry_returned"], digest=True)
    weekly.return_entry(week[1], "One", org["supervisor_a"])
    db.session.commit()
    result = runner.invoke(args=["mail", "digest"])
    assert result.exit_code != 0 and "MAIL_SERVER is not set: the 1 digest(s) wait in the outbox." in result.output
    assert [(m.kind, m.status) for m in outbox()] == [("digest", "queued")]
    assert setting_of(org["officer_a"]).digest_sent_at > setting_of(org["officer_a"]).updated_at - timedelta(days=1)


def test_every_kind_comes_by_mail_once_worded_as_the_registry_says(app, runner, org, smtp):
    """Each kind of the registry, chosen by a panel member who reads Chinese: one mail each, whatever the number of
    sending runs, its subject and sentence the kind's own."""
    from flask_babel import force_locale

    from tests.notifications.test_kinds import PARAMS
    from worklog.notifications.kinds import KINDS, kinds_for, subject_of, text_of
    from worklog.permissions import roles_of
    panel = org["panel_a"]
    assert {k.code for k in kinds_for(roles_of(panel))} == set(KINDS)  # a panel member is offered every kind
    choose(panel, list(KINDS), language="zh_CN")
    for code in KINDS:
        notifications.notify(panel, code, PARAMS)
    db.session.commit()
    for _ in range(3):
        assert runner.invoke(args=["mail", "send"]).exit_code == 0
    received = smtp.to(panel.email)
    assert len(received) == len(KINDS)
    with force_locale("zh_CN"):
        expected = {code: (subject_of(Notification(kind=code, params=PARAMS)),
                           text_of(Notification(kind=code, params=PARAMS))) for code in KINDS}
    by_subject = {str(m["Subject"]): m.get_content() for m in received}
    for code, (subject, text) in expected.items():
        assert text in by_subject[subject], code


def test_two_senders_at_once_send_each_mail_once(app, org, week, smtp):
    """Two senders (say a cron run and a queue worker) started together on the same outbox."""
    import threading

    from worklog.notifications import mailer
    from worklog.weekly import services as weekly
    choose(org["officer_a"], ["entry_returned"])
    for entry in week:
        weekly.return_entry(entry, f"Entry {entry.id}?", org["supervisor_a"])
    db.session.commit()
    reports, errors = [], []
    start = threading.Barrier(2)

    def sender():
        try:
            with app.app_context():
                start.wait()
                reports.append(mailer.send_queued())
                db.session.close()
        except Exception as error:  # noqa: BLE001  (shown by the assertion below)
            errors.append(error)

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sum(r.sent for r in reports) == len(week) == len(smtp.mails)
    assert len({m["Message-ID"] for m in smtp.mails}) == len(week)
    import re
    comments = sorted(re.search(r"Entry \d+\?", m.get_content()).group() for m in smtp.mails)
    assert comments == sorted(f"Entry {entry.id}?" for entry in week)  # each entry's mail, none twice
    assert {m.status for m in outbox()} == {"sent"} and {m.attempts for m in outbox()} == {1}
