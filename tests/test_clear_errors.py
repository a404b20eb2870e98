"""Clear errors: input the application cannot use is refused in words (no 500), and a database out of reach
answers 503 with Retry-After, in the person's language."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models import Entry
from tests.conftest import TEST_CONFIG
from tests.daily.conftest import TODAY, catalog  # noqa: F401  (the day fixtures, shared)
from tests.factories import sign_in, state_counts
from worklog import create_app
from worklog.extensions import db

ODD_NUMBERS = ["1e999999", "-1e999999", "1e-999999", "sNaN", "NaN", "-NaN", "Infinity", "-inf", "1e12",
               "9" * 4000, "0x10", "1,5", "1e1000"]


@pytest.mark.parametrize("field", ["quantity", "hours"])
@pytest.mark.parametrize("value", ODD_NUMBERS)
def test_odd_numbers_in_the_entry_form_are_refused_in_words(client, org, catalog, field, value):
    sign_in(client, org["officer_a"].badge)
    before = state_counts()
    data = {"task_type": catalog["T1"].id, "quantity": "1", "hours": "1", "completion": "done", field: value}
    response = client.post(f"/day/{TODAY.isoformat()}/entries", data=data)
    assert response.status_code == 422, (field, value, response.status)
    assert 'class="error"' in response.get_data(as_text=True)
    assert state_counts() == before
    assert db.session.scalar(select(func.count()).select_from(Entry)) == 0


def test_a_null_character_in_any_field_or_query_is_refused_and_nothing_saved(client, org, catalog):
    """PostgreSQL's text cannot hold NUL: an entry's description or a day's self-assessment with one was a 500."""
    sign_in(client, org["officer_a"].badge)
    before = state_counts()
    for path, data in ((f"/day/{TODAY.isoformat()}/entries", {"task_type": catalog["T1"].id, "quantity": "1",
                                                              "completion": "done", "description": "a\x00b"}),
                       (f"/day/{TODAY.isoformat()}/submit", {"self_assessment": "done\x00"}),
                       (f"/day/{TODAY.isoformat()}/submit", {"self_assessment": "done", "x\x00": "1"})):
        response = client.post(path, data=data)
        assert response.status_code == 400, (path, response.status)
        assert "null character" in response.get_data(as_text=True)
    assert client.get("/day?x=a%00b").status_code == 400
    assert state_counts() == before


def test_a_number_too_large_is_named_as_such_in_chinese_too(client, org, catalog):
    sign_in(client, org["officer_a"].badge)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    response = client.post(f"/day/{TODAY.isoformat()}/entries",
                           data={"task_type": catalog["T1"].id, "quantity": "1e999999", "completion": "done"})
    assert response.status_code == 422
    assert "请输入大小合理的数字" in response.get_data(as_text=True)


def _month_addresses(org) -> dict[str, list[str]]:
    """Every page and export that takes a month in its address or query, by who may read it."""
    unit, department, officer = org.county_a.id, org.dept_a.id, org["officer_a"].id
    month_paths = ["/ledger/{m}", "/ledger/{m}/export.csv", "/ledger/{m}/export.xlsx",
                   f"/people/{officer}/ledger/{{m}}", f"/people/{officer}/ledger/{{m}}/export.xlsx"]
    panel_paths = [f"/month/{unit}/{{m}}", f"/month/{unit}/{{m}}/completeness", f"/ledgers/units/{unit}/{{m}}",
                   f"/ledgers/units/{unit}/{{m}}/export.xlsx", f"/ledgers/units/{unit}/{{m}}/departments",
                   f"/ledgers/units/{unit}/{{m}}/departments/export.xlsx", f"/ledgers/departments/{department}/{{m}}",
                   f"/ledgers/departments/{department}/{{m}}/export.xlsx", "/units/statistics?month={m}",
                   "/units/evaluation?month={m}", "/units/bulletin?month={m}"]
    survey_paths = ["/survey/contacts?month={m}", "/survey/contacts?month={m}&unit=1&kind=110&page=2",
                    "/units/bulletin.xlsx?month={m}"]
    return {"supervisor_a": month_paths, "panel_a": panel_paths, "survey": survey_paths}


@pytest.mark.parametrize("month", ["9999-12", "9998-12", "0001-01", "0000-00", "2026-13", "2026-11-01", "-1-01",
                                   "1899-12", "2101-01", "99999-01"])
def test_months_out_of_range_are_not_found_or_ignored_never_a_server_error(client, org, month):
    for who, paths in _month_addresses(org).items():
        sign_in(client, org[who].badge)
        for path in paths:
            response = client.get(path.format(m=month))
            if "/survey/contacts" in path:
                assert response.status_code == 200, (path, month)  # the filter is left out
            else:
                assert response.status_code == 404, (who, path, month, response.status)
        client.post("/sign-out")


def test_a_draw_for_a_month_out_of_range_is_refused_in_words(client, org):
    sign_in(client, org["survey"].badge)
    before = state_counts()
    response = client.post("/survey/draws", data={"unit": org.county_a.id, "kind": "110", "month": "9999-12",
                                                  "sample_size": "5"})
    assert response.status_code == 422
    assert "Enter a month between the years 1900 and 2100." in response.get_data(as_text=True)
    assert state_counts() == before


# --- The database out of reach -------------------------------------------------------------------------------


def _unreachable_app(url: str):
    return create_app({**TEST_CONFIG, "DATABASE_URL": url})


@pytest.fixture(params=["sqlite", "postgresql"])
def unreachable(request, tmp_path):
    """An app whose database cannot be reached: a SQLite file in a folder that does not exist, or a PostgreSQL
    server that refuses connections (nothing listens on port 1; the shared server is left alone)."""
    url = (f"sqlite:///{tmp_path}/missing/worklog.db" if request.param == "sqlite"
           else "postgresql://postgres@127.0.0.1:1/worklog")
    app = _unreachable_app(url)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("language, words", [("en", "Service temporarily unavailable"), ("zh-CN", "服务暂时不可用")])
def test_a_database_out_of_reach_answers_503_with_retry_after(unreachable, language, words):
    client = unreachable.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    # Signing in reads the person; a signed-in page reads the session first.
    for response in (client.post("/sign-in", data={"badge": "200002", "password": "x"}),
                     client.get("/day", headers={"Cookie": "session=whatever"})):
        if response.status_code == 302:  # no session cookie to read: sent to sign in, no database needed
            continue
        assert response.status_code == 503, response.status
        assert int(response.headers["Retry-After"]) > 0
        assert response.mimetype == "text/html"
        assert words in response.get_data(as_text=True)
    assert client.post("/sign-in", data={"badge": "200002", "password": "x"}).status_code == 503


def test_a_lost_connection_at_the_commit_answers_503(app, client, org, catalog, monkeypatch):
    """The database goes away between the work and the commit: nothing is kept and the answer is 503."""
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.orm import Session
    sign_in(client, org["officer_a"].badge)
    real_commit, outer = Session.commit, db.session

    def lost(session):
        if session is not outer:  # the request's own session only, not the test's
            raise OperationalError("COMMIT", {}, Exception("server closed the connection unexpectedly"))
        return real_commit(session)

    monkeypatch.setattr(Session, "commit", lost)
    # As in production: TESTING would raise an error of the commit (an after-request hook) into the test.
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.post(f"/day/{TODAY.isoformat()}/entries",
                           data={"task_type": catalog["T1"].id, "quantity": "1", "completion": "done"})
    monkeypatch.setattr(Session, "commit", real_commit)
    assert response.status_code == 503
    assert "Retry-After" in response.headers
    assert db.session.scalar(select(func.count()).select_from(Entry)) == 0


@pytest.mark.parametrize("crossing", ["DeadlockDetected", "SerializationFailure"])
def test_crossed_transactions_answer_503_and_ask_to_send_again(app, client, org, catalog, monkeypatch, crossing):
    """PostgreSQL undoes one of two transactions that wait for each other (say a bulk signature and an import of
    transfers over the same officers): the person is told to send it again, and nothing of theirs is kept."""
    import psycopg
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.orm import Session
    sign_in(client, org["officer_a"].badge)
    real_commit, outer = Session.commit, db.session
    error = getattr(psycopg.errors, crossing)("deadlock detected")

    def crossed(session):
        if session is not outer:
            raise OperationalError("COMMIT", {}, error)
        return real_commit(session)

    monkeypatch.setattr(Session, "commit", crossed)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    response = client.post(f"/day/{TODAY.isoformat()}/entries",
                           data={"task_type": catalog["T1"].id, "quantity": "1", "completion": "done"})
    monkeypatch.setattr(Session, "commit", real_commit)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert "请重新提交" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Entry)) == 0


def test_a_fault_in_a_statement_stays_a_500(tmp_path):
    """A database that answers but lacks the schema is a fault to fix, not an outage to wait out."""
    app = _unreachable_app(f"sqlite:///{tmp_path}/empty.db")
    client = app.test_client()
    response = client.post("/sign-in", data={"badge": "200002", "password": "x"})
    assert response.status_code == 500
    assert "Retry-After" not in response.headers
    with app.app_context():
        db.engine.dispose()
