"""The day page's quick entry line, as the server sees it: the same checks as the form, answered in JSON; and the
task search keys behind it (pinyin, initials, code), kept with the task type."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from models import Entry, TaskType
from models.catalog import task_search_keys
from tests.daily.conftest import TODAY
from tests.factories import sign_in
from worklog.extensions import db

FETCH = {"X-Requested-With": "fetch", "Accept": "application/json"}


def _add(client, catalog, quantity: str, task: str = "T2", **extra):
    return client.post(f"/day/{TODAY.isoformat()}/entries", headers=FETCH,
                       data={"task_type": catalog[task].id, "quantity": quantity, "completion": "done", **extra})


def test_an_entry_added_from_the_line_answers_the_days_rows_and_what_to_announce(client, org, catalog):
    sign_in(client, org["officer_a"].badge)
    response = _add(client, catalog, "7")
    assert response.status_code == 200 and response.is_json
    body = response.get_json()
    assert body["message"] == "Added: Home visit × 7 household, 3.50 points."
    assert "Home visit" in body["rows"] and "<tr>" in body["rows"]
    assert "3.50" in body["summary"] and 'id="day-summary"' in body["summary"]
    assert db.session.scalar(select(Entry.points)) == Decimal("3.50")


def test_a_refused_line_answers_the_reason_in_the_persons_language_and_keeps_nothing(client, org, catalog):
    sign_in(client, org["officer_a"].badge)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    for quantity in ("1.005", "0", "abc", "1e999999"):
        response = _add(client, catalog, quantity)
        assert response.status_code == 422 and response.is_json, quantity
        assert response.get_json()["message"] and not any(c.isascii() and c.isalpha()
                                                          for c in response.get_json()["message"]), quantity
    other = _add(client, catalog, "1", task="X1")  # another sequence's task: refused by the service
    assert other.status_code == 422 and other.get_json()["message"]
    assert db.session.scalar(select(func.count()).select_from(Entry)) == 0


def test_the_form_no_longer_proposes_a_quantity(client, org, catalog):
    """A prefilled 1.00 made a double-click select only "00": the officer typed 1.003 and lost the entry."""
    sign_in(client, org["officer_a"].badge)
    page = client.get(f"/day/{TODAY.isoformat()}").get_data(as_text=True)
    field = page[page.index('id="quantity"') - 200:page.index('id="quantity"') + 200]
    assert 'value="1' not in field


def test_search_keys_hold_the_name_its_pinyin_initials_and_code():
    assert task_search_keys("PS01", "接处警").split() == ["接处警", "jiechujing", "jie", "chu", "jing", "jcj", "ps01"]
    assert "rhzf" in task_search_keys("PS04", "入户走访").split()
    assert task_search_keys("T9", "Patrol").split() == ["patrol", "t9"]


def test_renaming_a_task_renews_its_keys(client, org, catalog):
    task = catalog["T1"]
    task.name = "巡逻防控"
    db.session.commit()
    assert "xlfk" in db.session.scalar(select(TaskType.search_keys).where(TaskType.id == task.id)).split()
    assert "patrol" not in db.session.scalar(select(TaskType.search_keys).where(TaskType.id == task.id)).split()


def test_a_usual_task_shows_as_such_in_the_days_rows(client, org, catalog):
    """The ☆ button said nothing of whether the task already was a usual one: now ★ and aria-pressed do."""
    sign_in(client, org["officer_a"].badge)
    _add(client, catalog, "2")
    page = client.get(f"/day/{TODAY.isoformat()}").get_data(as_text=True)
    assert 'aria-pressed="false"' in page and "★" not in page
    client.post(f"/favourites/{catalog['T2'].id}", data={"day": TODAY.isoformat()})
    page = client.get(f"/day/{TODAY.isoformat()}").get_data(as_text=True)
    assert 'aria-pressed="true"' in page and "★" in page
    assert "★" in _add(client, catalog, "1").get_json()["rows"]  # the quick line's rows too
