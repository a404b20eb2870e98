"""Bounded input (issue 11, finding 3): bodies, fields and uploads are refused by their size before they are read,
imports stop at their limits while streaming, and an import holds SQLite's write lock only while it writes.

The memory a refused or accepted upload takes is measured in a server process of its own (see
``test_peak_memory_of_uploads``)."""
from __future__ import annotations

import io
import json
import os
import sqlite3
import subprocess
import sys
import textwrap
import time
import zipfile

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from models import AuditEvent, SurveyContact
from tests.factories import sign_in
from tests.survey.conftest import csv_upload, numbers, pinned_clock, staff  # noqa: F401 (fixtures)
from worklog.extensions import db

HEAD = ["unit", "kind", "date", "name", "phone", "reference"]
MB = 1024 * 1024


def _contacts(count: int, start: int = 0) -> list[list]:
    return [HEAD] + [["CA1", "110", "2026-09-01", f"Caller {i}", number, f"R{i}"]
                     for i, number in enumerate(numbers(count, start))]


def multipart(fields: dict) -> tuple[bytes, str]:
    """A multipart body as a browser sends it, encoded here: the test client spools a large one to a temporary
    file that it leaves open when the server refuses the body unread."""
    boundary = "----worklog-test-boundary"
    parts = []
    for name, value in fields.items():
        if isinstance(value, tuple):
            stream, filename = value
            body = stream.getvalue() if hasattr(stream, "getvalue") else stream
            head = f'Content-Disposition: form-data; name="{name}"; filename="{filename}"\r\n' \
                   "Content-Type: application/octet-stream\r\n\r\n"
        else:
            body, head = str(value).encode(), f'Content-Disposition: form-data; name="{name}"\r\n\r\n'
        parts.append(f"--{boundary}\r\n{head}".encode() + body + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def _post(client, url: str, fields: dict):
    body, content_type = multipart(fields)
    return client.post(url, data=body, content_type=content_type)


def _import(client, upload):
    return _post(client, "/survey/contacts/import", upload)


def _stored() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(SurveyContact))


# --- Bodies and fields ------------------------------------------------------------------------------------------


def test_a_large_sign_in_body_is_refused_before_it_is_read(client):
    """Finding: a 15 MB sign-in body, unauthenticated, took 15 s and 1.36 GB. Now 413 before the body is read."""
    started = time.perf_counter()
    response = client.post("/sign-in", data={"badge": "100001", "password": "x" * (15 * MB)})
    elapsed = time.perf_counter() - started
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "larger than this form takes (at most 1 MB)" in page
    assert elapsed < 2, elapsed


def test_the_413_page_speaks_the_persons_language(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    response = client.post("/sign-in", data={"badge": "100001", "password": "x" * (2 * MB)})
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "超过" in page and "1 MB" in page
    assert "larger than" not in page


def test_a_large_text_field_in_a_signed_in_form_is_refused(client, org):
    """Finding: a 3 MB text field in a signed-in form took 860 MB. Refused whether sent as a plain form or as a
    multipart one, and nothing is saved."""
    sign_in(client, org["officer_a"].badge)
    before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    plain = client.post("/account/password", data={"current": "x" * (3 * MB)})
    assert plain.status_code == 413
    as_multipart = _post(client, "/account/password", {"current": "x" * (300 * 1024)})
    assert as_multipart.status_code == 413
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == before


def test_a_form_with_too_many_parts_is_refused(client, org):
    sign_in(client, org["officer_a"].badge)
    response = _post(client, "/account/password", {f"f{i}": "x" for i in range(1500)})
    assert response.status_code == 413


def test_a_file_sent_to_a_form_that_takes_none_is_refused(client):
    """A file where the sign-in expects a password was a 500 (the length check got a file)."""
    response = _post(client, "/sign-in", {"badge": "100001", "password": (io.BytesIO(b"secret"), "p.txt")})
    assert response.status_code == 400


# --- Uploads ----------------------------------------------------------------------------------------------------


def test_an_import_takes_a_file_larger_than_a_form(client, staff):
    """Only imports go past MAX_CONTENT_LENGTH: a 1.5 MB CSV of contacts is read (and its rows judged)."""
    sign_in(client, staff["survey_a"].badge)
    upload = csv_upload(_contacts(3))
    padded = upload["file"][0].getvalue() + b"\n" * (int(1.5 * MB))  # blank lines: skipped, not counted
    response = _import(client, {"file": (io.BytesIO(padded), "contacts.csv")})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert _stored() == 3


def test_an_import_larger_than_its_limit_is_refused_with_a_clear_page(client, staff):
    sign_in(client, staff["survey_a"].badge)
    big = io.BytesIO(b"unit,kind,date,name,phone,reference\n" + b"x" * (17 * MB))
    started = time.perf_counter()
    response = _import(client, {"file": (big, "contacts.csv")})
    assert response.status_code == 413
    assert "larger than 16 MB, the most an import takes" in response.get_data(as_text=True)
    assert time.perf_counter() - started < 3
    assert _stored() == 0


def test_the_contacts_import_has_a_row_limit(app, client, staff):
    """Finding: a 15.9 MB CSV imported 481,818 contacts: the contacts import had no row limit. The limit is
    IMPORT_MAX_ROWS (shown small here), named in the message; nothing is imported."""
    app.config["IMPORT_MAX_ROWS"] = 100
    sign_in(client, staff["survey_a"].badge)
    response = _import(client, csv_upload(_contacts(101)))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "more than 100 rows" in page and "IMPORT_MAX_ROWS" in page
    assert _stored() == 0
    assert _import(client, csv_upload(_contacts(100))).status_code == 302
    assert _stored() == 100


def _xlsx(rows: list[list]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _rewrite_sheet(data: bytes, sheet_xml: bytes | None = None, dimension: str | None = None) -> bytes:
    """The workbook with its first sheet's XML replaced, or its declared dimension changed."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for item in source.infolist():
            body = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                if sheet_xml is not None:
                    body = sheet_xml
                if dimension is not None:
                    import re
                    body = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="' + dimension.encode() + b'"', body)
            target.writestr(item.filename, body)
    return out.getvalue()


def bomb_declaring_the_whole_sheet() -> bytes:
    """A small XLSX whose sheet declares A1:XFD1048576: openpyxl fills every row out to that size."""
    return _rewrite_sheet(_xlsx(_contacts(1)), dimension="A1:XFD1048576")


def many_rows_xlsx(count: int, dimension: bool = True) -> bytes:
    """An XLSX of ``count`` one-cell rows (compressed, a few hundred KB for millions of rows)."""
    rows = b"".join(b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>x</t></is></c></row>' % (n, n)
                    for n in range(1, count + 1))
    sheet = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
             b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             + (b'<dimension ref="A1:A%d"/>' % count if dimension else b"")
             + b"<sheetData>" + rows + b"</sheetData></worksheet>")
    return _rewrite_sheet(_xlsx([["x"]]), sheet_xml=sheet)


def test_an_xlsx_declaring_the_whole_sheet_is_refused_at_once(client, staff):
    """Finding: a 1.7 KB XLSX declaring A1:XFD1048576 reached 2.8 GB, then 500."""
    data = bomb_declaring_the_whole_sheet()
    assert len(data) < 10_000
    sign_in(client, staff["survey_a"].badge)
    started = time.perf_counter()
    response = _import(client, {"file": (io.BytesIO(data), "contacts.xlsx")})
    assert response.status_code == 422
    assert "more than 100 columns" in response.get_data(as_text=True)
    assert time.perf_counter() - started < 3


def test_an_xlsx_that_unpacks_to_too_much_is_refused_before_it_is_read(app, client, staff):
    """Finding: a 633 KB XLSX of 2 million rows ran 4.5 minutes, then out of memory. Its parts declare more than
    IMPORT_MAX_UNPACKED_BYTES: refused from the archive's directory alone."""
    data = many_rows_xlsx(2_000_000)
    assert len(data) < 16 * MB  # within what an import may send
    sign_in(client, staff["survey_a"].badge)
    started = time.perf_counter()
    response = _import(client, {"file": (io.BytesIO(data), "contacts.xlsx")})
    assert response.status_code == 422
    assert "unpacks to more than 100 MB" in response.get_data(as_text=True)
    assert time.perf_counter() - started < 3


@pytest.mark.parametrize("dimension", [True, False])
def test_an_xlsx_stops_at_the_row_limit_while_streaming(app, client, staff, dimension):
    """Within the unpacked limit, rows past IMPORT_MAX_ROWS are refused as they stream in (by the declared
    dimension when there is one, else at the first row past the limit), not after reading the sheet."""
    app.config["IMPORT_MAX_ROWS"] = 1000
    data = many_rows_xlsx(300_000, dimension=dimension)
    sign_in(client, staff["survey_a"].badge)
    started = time.perf_counter()
    response = _import(client, {"file": (io.BytesIO(data), "contacts.xlsx")})
    assert response.status_code == 422
    assert "more than 1000 rows" in response.get_data(as_text=True)
    assert time.perf_counter() - started < 3


def test_a_csv_stops_at_the_row_limit(app, client, staff):
    sign_in(client, staff["survey_a"].badge)
    line = b"CA1,110,2026-09-01,Caller,13912340000,R\n"
    data = b"unit,kind,date,name,phone,reference\n" + line * (15 * MB // len(line))
    started = time.perf_counter()
    response = _import(client, {"file": (io.BytesIO(data), "contacts.csv")})
    assert response.status_code == 422
    assert "more than 50000 rows" in response.get_data(as_text=True)
    assert time.perf_counter() - started < 10
    assert _stored() == 0


def test_the_other_imports_have_the_same_limits(app, client, org):
    """The organisation and catalog imports read through the same reader."""
    app.config["IMPORT_MAX_ROWS"] = 10
    sign_in(client, org["root_admin"].badge)
    rows = [["code", "name", "parent_code"]] + [[f"U{i}", f"Unit {i}", org.county_a.code] for i in range(11)]
    response = _post(client, "/admin/import", csv_upload(rows, name="units.csv"))
    assert response.status_code == 422
    assert "more than 10 rows" in response.get_data(as_text=True)
    data = bomb_declaring_the_whole_sheet()
    response = _post(client, "/admin/tasks/import", {"file": (io.BytesIO(data), "tasks.xlsx")})
    assert response.status_code == 422
    assert "more than 100 columns" in response.get_data(as_text=True)


# --- The write lock ---------------------------------------------------------------------------------------------


def _try_the_write_lock(path: str) -> str:
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return "free"
    except sqlite3.OperationalError as error:
        return str(error)
    finally:
        other.close()


@pytest.mark.parametrize("kind", ["contacts", "org"])
def test_an_import_reads_its_file_without_holding_the_write_lock(app, client, staff, monkeypatch, database_url,
                                                                 kind):
    """Finding: on SQLite, while one import ran for 43 s another person's sign-in failed with "database is locked".
    While the file is read and checked, another connection takes the write lock at once; the rows are then
    written in the import's own transaction."""
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL locks rows, not the database")
    path = database_url.removeprefix("sqlite:///")
    from worklog import spreadsheets
    from worklog.survey import importer, phones
    seen: list[str] = []
    real_rows, real_protect = spreadsheets._csv_rows, phones.protect

    def rows_while_trying(*args):
        seen.append(_try_the_write_lock(path))
        return real_rows(*args)

    def protect_while_trying(raw):
        if len(seen) < 2:
            seen.append(_try_the_write_lock(path))  # the contacts are checked (and encrypted) before writing
        return real_protect(raw)

    monkeypatch.setattr(spreadsheets, "_csv_rows", rows_while_trying)
    monkeypatch.setattr(importer.phones, "protect", protect_while_trying)
    if kind == "contacts":
        sign_in(client, staff["survey_a"].badge)
        response = _import(client, csv_upload(_contacts(20)))
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        assert seen == ["free", "free"]
        assert _stored() == 20
    else:
        sign_in(client, staff["root_admin"].badge)
        rows = [["code", "name", "parent_code"], ["NEW1", "New county", staff.city_a.code]]
        response = _post(client, "/admin/import", csv_upload(rows, name="units.csv"))
        assert response.status_code == 200, response.get_data(as_text=True)[:2000]
        assert seen == ["free"]
        db.session.expire_all()
        from models import Unit
        assert db.session.scalar(select(Unit).where(Unit.code == "NEW1")) is not None


def test_sqlite_waits_for_the_lock_rather_than_failing(app):
    from worklog.extensions import db as database
    if database.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with database.engine.connect() as connection:
        timeout = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
    assert timeout >= 5000


# --- Peak memory, in a server process of its own --------------------------------------------------------------

_SERVER = textwrap.dedent("""
    import io, json, os, sys, time

    def peak_mb():
        # VmHWM: this process's peak resident memory. Not ru_maxrss, which Linux carries over from the parent
        # (the test, which built the uploads) across exec.
        with open("/proc/self/status") as status:
            line = next(line for line in status if line.startswith("VmHWM:"))
        return int(line.split()[1]) / 1024
    sys.path.insert(0, os.getcwd())
    from datetime import datetime, timezone
    from sqlalchemy import create_engine
    from tests.conftest import TEST_CONFIG
    from worklog import create_app, migrate
    url = sys.argv[1]
    engine = create_engine(url); migrate.upgrade(engine); engine.dispose()
    app = create_app({**TEST_CONFIG, "DATABASE_URL": url,
                      "FIXED_NOW": datetime(2026, 9, 29, 2, 0, tzinfo=timezone.utc)})
    with app.app_context():
        from tests.factories import build_org, make_person
        from models import Role
        from worklog.extensions import db
        org = build_org()
        make_person("400001", "Surveyor A", org.dept_a, org.post, roles={Role.survey.value: org.county_a})
        db.session.commit()
        db.session.close()
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert client.post("/sign-in", data={"badge": "400001", "password": "Correct-Horse-42"}).status_code == 302
    body = open(sys.argv[2], "rb").read()
    name = sys.argv[3]
    before = peak_mb()
    started = time.perf_counter()
    if name == "sign-in":
        response = app.test_client().post("/sign-in", data=body,
                                          content_type="application/x-www-form-urlencoded")
    else:
        response = client.post("/survey/contacts/import", data={"file": (io.BytesIO(body), name)},
                               content_type="multipart/form-data")
    elapsed = time.perf_counter() - started
    print(json.dumps({"status": response.status_code, "seconds": elapsed, "peak_mb": peak_mb(),
                      "before_mb": before}))
""")


def _run_server(tmp_path, body: bytes, name: str) -> dict:
    upload = tmp_path / f"upload-{name}"
    upload.write_bytes(body)
    env = {k: v for k, v in os.environ.items() if not k.startswith("WORKLOG_")}
    env["WORKLOG_INSTANCE_PATH"] = str(tmp_path / "instance")
    env.pop("REDIS_URL", None)
    database = tmp_path / f"server-{len(list(tmp_path.iterdir()))}.db"
    result = subprocess.run([sys.executable, "-c", _SERVER, f"sqlite:///{database}", str(upload), name],
                            capture_output=True, text=True, timeout=600, env=env,
                            cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def _accepted_contacts_csv(count: int) -> bytes:
    lines = ["unit,kind,date,name,phone,reference"]
    lines += [f"CA1,110,2026-09-01,Caller {i},1391{i:07d},R{i}" for i in range(count)]
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.slow
def test_peak_memory_of_uploads(tmp_path, request):
    """Each upload, refused or accepted, in a fresh server process: its peak resident memory stays within 300 MB,
    and the refused ones answer quickly. The accepted one is the largest the default limits take: 50,000
    contacts."""
    if request.node.callspec.params.get("database_url", "sqlite") != "sqlite":
        pytest.skip("the servers measured here run on SQLite files of their own: one run is enough")
    line = b"CA1,110,2026-09-01,Caller,13912340000,R\n"
    cases = {
        "sign-in": (b"badge=1&password=" + b"x" * (15 * MB), 413),
        "bomb.xlsx": (bomb_declaring_the_whole_sheet(), 422),
        "rows.xlsx": (many_rows_xlsx(2_000_000), 422),
        "rows.csv": (b"unit,kind,date,name,phone,reference\n" + line * (int(15.9 * MB) // len(line)), 422),
        "accepted.csv": (_accepted_contacts_csv(50_000), 302),
    }
    results = {}
    for name, (body, status) in cases.items():
        result = _run_server(tmp_path, body, name)
        results[name] = result
        assert result["status"] == status, (name, result)
        assert result["peak_mb"] <= 300, (name, result)
        if status != 302:
            assert result["seconds"] < 10, (name, result)
    print(json.dumps(results, indent=1))
