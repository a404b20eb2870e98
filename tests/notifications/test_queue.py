"""Mail from the background queue (REDIS_URL set; skipped when no Redis answers at 127.0.0.1:6379): the request hands
the mails it wrote to RQ once its transaction has ended, and a worker sends them; a rolled-back request's job finds
nothing to send."""
from __future__ import annotations

import pytest
from redis import Redis

from tests.factories import sign_in
from tests.jobs.conftest import redis_queue  # noqa: F401  (a queue of the test's own)
from tests.notifications.conftest import choose, outbox
from tests.weekly.conftest import week  # noqa: F401  (officer A's week)
from worklog.extensions import db
from worklog.jobs.worker import make_worker

pytestmark = pytest.mark.postgres


def _work(app) -> None:
    db.session.commit()  # the test's reads end: no lock of theirs stands in the worker's way
    with Redis.from_url(app.config["REDIS_URL"]) as redis:
        make_worker(app, redis, simple=True).work(burst=True)


def test_the_request_hands_its_mail_to_the_queue_and_a_worker_sends_it(app, client, org, week, smtp, redis_queue):
    choose(org["officer_a"], ["entry_returned"])
    sign_in(client, org["supervisor_a"].badge)
    assert client.post(f"/review/entries/{week[1].id}/return", data={"comment": "Which households?"}).status_code == 302
    assert client.post(f"/review/entries/{week[3].id}/return", data={"comment": "And these?"}).status_code == 302
    # Each request's mail went to the queue after its commit; nothing was sent by the requests themselves.
    assert redis_queue.count == 2 and smtp.mails == []
    assert [m.status for m in outbox()] == ["queued", "queued"]
    _work(app)
    assert len(smtp.to("200002@example.invalid")) == 2
    assert [m.status for m in outbox()] == ["sent", "sent"]
    assert redis_queue.count == 0


def test_a_rolled_back_requests_job_sends_nothing(app, client, org, week, smtp, redis_queue):
    from worklog.errors import ServiceError
    from worklog.weekly import services as weekly
    choose(org["officer_a"], ["entry_returned"])
    entry_id = week[1].id

    def returns_then_fails():
        from flask_wtf import FlaskForm

        from models import Entry
        from worklog.extensions import db
        from worklog.web import current_person, refuse
        weekly.return_entry(db.session.get(Entry, entry_id), "Which households?", current_person())
        refuse(FlaskForm(), ServiceError("Refused after the notification."))
        return "refused", 422

    app.add_url_rule("/test/return-then-fail", "test_return_then_fail", returns_then_fails, methods=["POST"])
    sign_in(client, org["supervisor_a"].badge)
    assert client.post("/test/return-then-fail").status_code == 422
    _work(app)
    assert outbox() == [] and smtp.mails == []
