"""Work facts' administration: a source (jj110) with mappings, facts sent through the service as the API sends
them, and the province's administrator signed in."""
from __future__ import annotations

import pytest

from tests.daily.conftest import catalog  # noqa: F401  (the day fixtures, shared)
from tests.factories import sign_in
from worklog.extensions import db
from worklog.facts import services as facts

#: A day of the pinned week (Tuesday 24 November 2026), and the one before.
DAY = "2026-11-24"
DAY_BEFORE = "2026-11-23"


def fact(external_id: str, badge: str = "200002", when: str = f"{DAY}T10:00:00+08:00", type_: str = "call",
         quantity="1", reference: str = "") -> dict:
    return {"id": external_id, "badge": badge, "occurred_at": when, "type": type_, "quantity": quantity,
            "reference": reference or f"J{external_id}"}


def send(rows: list[dict], source: str = "jj110", channel: str = "api") -> dict[str, int]:
    """Facts received as the API receives a batch (parsed, then received in one transaction), committed."""
    parsed = facts.parse_all((f"facts.{i}", row) for i, row in enumerate(rows))
    result = facts.receive(parsed, source=source, channel=channel)
    db.session.commit()
    return result.counts()


@pytest.fixture
def mapped(org, catalog):  # noqa: F811
    """jj110's calls are patrols (one each, cap 10 a day), visits home visits (as sent, cap 40), scenes the
    investigation's crime scenes (a task never open to the org's police-station post)."""
    admin = org["root_admin"]
    for fact_type, task, rule in [("call", "T1", "one_each"), ("visit", "T2", "as_sent"), ("scene", "X1", "as_sent")]:
        facts.save_mapping(None, {"source": "jj110", "fact_type": fact_type, "task_type": catalog[task],
                                  "quantity_rule": rule, "multiplier": "1"}, admin)
    db.session.commit()
    return catalog


@pytest.fixture
def admin(client, org):
    """The client signed in as the province's administrator."""
    assert sign_in(client, org["root_admin"].badge).status_code == 302
    return client
