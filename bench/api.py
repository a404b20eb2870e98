"""The API under a real server (issue 13): work facts coming in, and what other systems read.

**Ingest.** Batches of 10,000 facts (two calls each for 5,000 officers spread over the province, on a day after the
month of work, which is open), each POSTed to ``/api/v1/work-facts`` by a registered client; every fact becomes an
entry. The floor is a bulk insert of the same rows — the 10,000 facts and their 10,000 entries, with the values the
product wrote — in one transaction (COPY on PostgreSQL, executemany on SQLite, then COMMIT) on a connection of the
same database, taking turns with the product. The product's time includes reading and answering the JSON, the HTTP round trip and every check (the
officer, their post on the day, the mapping, the task's version and daily cap, the week and month not sealed), the
day logs and the day roll-ups. Printed:

``api_ingest_10k_<db> seconds floor_seconds ratio s facts_per_s=… runs=…``

**Reading.** Each read endpoint with a province-wide client's token, against ``GET /_bench/select`` (one SELECT of one
row) on the same server, request by request:

``api_<name>_<db> p50 floor_p50 ratio s p95=… floor_p95=… bytes=… queries=… status=… n=…``
"""
from __future__ import annotations

import http.client
import json
import time
from datetime import datetime, timedelta, timezone

from sqlalchemy import create_engine, text

from bench.client import Browser
from bench.data import Cast, Settings
from bench.figures import info, line, p50, p95, timings

BATCH = 10_000
SOURCE = "bench-feed"
TOKEN = "wlk_bench-feed-token-not-for-production"
READER_TOKEN = "wlk_bench-reader-token-not-for-production"
QUERY_HEADER = "X-Query-Count"  # bench/server.py's


def _register(app, cast: Cast) -> int:
    """The feeding client (source bench-feed, province-wide) and a reading one, with known tokens; a mapping of
    the feed's "call" to a task every post may log. Returns the task type's id."""
    from sqlalchemy import select
    from models import ApiClient, FactMapping, Person, TaskType, TaskTypeVersion, Unit
    from models.catalog import task_type_post
    from worklog.api import services as api_services
    from worklog.api.tokens import shown_prefix, token_hash
    from worklog.extensions import db
    from worklog.facts import services as facts
    with app.app_context():
        admin = db.session.get(Person, cast.admin.id)
        province = db.session.get(Unit, cast.province.id)
        for name, token, operations, source in (
                ("bench feed", TOKEN, ["write:work-facts"], SOURCE),
                ("bench reader", READER_TOKEN, ["read:people", "read:results", "read:lists", "read:ledgers",
                                                "read:events"], None)):
            client = db.session.scalar(select(ApiClient).where(ApiClient.name == name))
            if client is None:
                client, _ = api_services.register({"name": name, "units": [province], "operations": operations,
                                                   "source": source, "rate_limit_per_minute": 100000}, admin)
            client.token_hash, client.token_prefix = token_hash(token), shown_prefix(token)
        task = db.session.execute(
            select(TaskType.id).join(TaskTypeVersion, TaskTypeVersion.task_type_id == TaskType.id)
            .where(TaskType.sequence_id.is_(None), TaskType.active.is_(True),
                   ~TaskType.id.in_(select(task_type_post.c.task_type_id)))
            .order_by(TaskTypeVersion.daily_cap.desc(), TaskType.id).limit(1)).scalar()
        if task is None:
            raise SystemExit("the province's catalog has no task open to every post")
        if db.session.scalar(select(FactMapping).where(FactMapping.source == SOURCE)) is None:
            facts.save_mapping(None, {"source": SOURCE, "fact_type": "call", "task_type": db.session.get(TaskType, task),
                                      "quantity_rule": "one_each"}, admin)
        db.session.commit()
        return task


def _badges(url: str, cast: Cast, n: int) -> list[str]:
    """``n`` officers with a post on the days used, spread over the province (every k-th by id)."""
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = [r[0] for r in conn.execute(text(
            "SELECT p.badge FROM person p JOIN assignment a ON a.person_id = p.id "
            "WHERE a.valid_to IS NULL AND a.valid_from <= :d AND p.active ORDER BY p.id"), {"d": cast.month})]
    engine.dispose()
    step = max(1, len(rows) // n)
    return rows[::step][:n]


def _post(port: int, token: str, body: bytes) -> tuple[int, float, dict]:
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=900)
    try:
        connection.request("POST", "/api/v1/work-facts", body=body, headers={
            "Authorization": f"Bearer {token}", "Content-Type": "application/json", "Accept-Language": "en"})
        response = connection.getresponse()
        data = response.read()
    finally:
        connection.close()
    seconds = time.perf_counter() - started
    try:
        return response.status, seconds, json.loads(data or b"{}")
    except ValueError:
        return response.status, seconds, {"body": data[:500].decode("utf-8", "replace")}


def _floor(url: str, run: int) -> float:
    """The same 10,000 facts and 10,000 entries as the product's run ``run`` wrote, inserted again in bulk (other
    ids, a source of its own) in one transaction, then removed."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            facts = [dict(r._mapping) for r in conn.execute(text(
                "SELECT * FROM work_fact WHERE source = :s AND external_id LIKE :p ORDER BY id"),
                {"s": SOURCE, "p": f"r{run}-%"})]
            entries = [dict(r._mapping) for r in conn.execute(text(
                "SELECT e.* FROM entry e JOIN work_fact f ON f.id = e.fact_id AND f.work_date = e.work_date "
                "WHERE f.source = :s AND f.external_id LIKE :p ORDER BY e.id"), {"s": SOURCE, "p": f"r{run}-%"})]
            conn.rollback()
            fact_columns = [c for c in facts[0] if c != "id"]
            entry_columns = [c for c in entries[0] if c not in ("id", "fact_id")]
            ids = conn.execute(text("SELECT nextval(pg_get_serial_sequence('work_fact', 'id')) FROM "
                                    "generate_series(1, :n)"), {"n": len(facts)}).scalars().all() \
                if engine.dialect.name == "postgresql" else None
            conn.rollback()
            by_old = {}
            floor_facts = []
            for k, row in enumerate(facts):
                values = {c: row[c] for c in fact_columns}
                values["source"] = "bench-floor"
                if ids is not None:
                    values["id"] = ids[k]
                floor_facts.append(values)
                by_old[row["id"]] = k
            started = time.perf_counter()
            with conn.begin():
                if ids is None:
                    first = conn.execute(text("SELECT coalesce(max(id), 0) FROM work_fact")).scalar() + 1
                    for k, values in enumerate(floor_facts):
                        values["id"] = first + k
                fact_cols = ["id", *fact_columns]
                rows = [{**{c: e[c] for c in entry_columns}, "fact_id": floor_facts[by_old[e["fact_id"]]]["id"]}
                        for e in entries]
                entry_cols = [*entry_columns, "fact_id"]
                if engine.dialect.name == "postgresql":
                    # COPY: PostgreSQL's own bulk load, the least a write of these rows can cost.
                    cursor = conn.connection.driver_connection.cursor()
                    for table, columns, data in (("work_fact", fact_cols, floor_facts), ("entry", entry_cols, rows)):
                        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                            for row in data:
                                copy.write_row([row[c] for c in columns])
                else:
                    conn.execute(text(f"INSERT INTO work_fact ({', '.join(fact_cols)}) VALUES "
                                      f"({', '.join(':' + c for c in fact_cols)})"), floor_facts)
                    conn.execute(text(f"INSERT INTO entry ({', '.join(entry_cols)}) VALUES "
                                      f"({', '.join(':' + c for c in entry_cols)})"), rows)
            seconds = time.perf_counter() - started
            with conn.begin():
                conn.execute(text("DELETE FROM entry WHERE fact_id IN (SELECT id FROM work_fact WHERE source = "
                                  "'bench-floor')"))
                conn.execute(text("DELETE FROM work_fact WHERE source = 'bench-floor'"))
            return seconds
    finally:
        engine.dispose()


def ingest(settings: Settings, cast: Cast, port: int, url: str, app) -> None:
    _register(app, cast)
    badges = _badges(url, cast, BATCH // 2)
    info(f"ingest: {len(badges)} officers, {BATCH} facts a batch, {settings.repeats} batches")
    product, floor, created = [], [], []
    for run in range(settings.repeats):
        day = cast.today - timedelta(days=run + 1)   # after the month of work: open, and each run its own day
        when = datetime(day.year, day.month, day.day, 1, 0, tzinfo=timezone.utc)
        facts = [{"id": f"r{run}-{k}", "badge": badges[k % len(badges)],
                  "occurred_at": (when + timedelta(minutes=k // len(badges) * 30)).isoformat(), "type": "call",
                  "quantity": 1, "reference": f"B{day:%Y%m%d}{k:05d}"} for k in range(BATCH)]
        status, seconds, answer = _post(port, TOKEN, json.dumps({"facts": facts}).encode())
        if status != 200:
            raise SystemExit(f"ingest answered {status}: {str(answer)[:300]}")
        product.append(seconds)
        created.append(answer.get("created", 0))
        if answer.get("created") != BATCH:
            reasons = sorted({(r["outcome"], r["reason"]) for r in answer.get("results", [])})
            info(f"batch {run}: {answer.get('created')} of {BATCH} created; outcomes {reasons[:5]} {str(answer.get('body', ''))[:300]}")
        floor.append(_floor(url, run))
    timings(f"api_ingest_10k_{settings.kind}", product, floor, "s",
            facts_per_s=round(BATCH / p50(product)), created=min(created))


READS = [
    ("units", lambda c: "/api/v1/units"),
    ("people", lambda c: f"/api/v1/people?unit={c.county.id}&limit=200"),
    ("assignments", lambda c: f"/api/v1/assignments?unit={c.county.id}&limit=200"),
    ("monthly_results", lambda c: f"/api/v1/monthly-results?unit={c.county.id}&month={c.month_key}&limit=200"),
    ("ledger_units", lambda c: f"/api/v1/ledgers/units?unit={c.city.id}&month={c.month_key}"),
    ("ledger_departments", lambda c: f"/api/v1/ledgers/departments?unit={c.county.id}&month={c.month_key}"),
    ("published_lists", lambda c: f"/api/v1/published-lists?unit={c.city.id}&year={c.month.year}&limit=200"),
    ("events", lambda c: "/api/v1/events?limit=200"),
]


def reads(settings: Settings, cast: Cast, port: int) -> None:
    floor = Browser(port)
    floor_path = f"/_bench/select?id={cast.officer.id}"
    for name, path_of in READS:
        path = path_of(cast)
        answers, floors = [], []
        started = time.perf_counter()
        for k in range(settings.requests + 2):
            answer = _get(port, path)
            floor_answer = floor.get(floor_path)
            if k >= 2:
                answers.append(answer)
                floors.append(floor_answer)
            if len(answers) >= 5 and time.perf_counter() - started > settings.page_budget:
                break
        statuses = sorted({a[0] for a in answers})
        line(f"api_{name}_{settings.kind}", p50(a[1] for a in answers), p50(f.seconds for f in floors), "s",
             p95=p95(a[1] for a in answers), floor_p95=p95(f.seconds for f in floors),
             bytes=int(p50(a[2] for a in answers)), queries=int(p50(a[3] for a in answers)),
             status=",".join(map(str, statuses)), n=len(answers))


def _get(port: int, path: str) -> tuple[int, float, int, int]:
    """(status, seconds, bytes, statements) of one GET with the reading client's token."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=900)
    try:
        connection.request("GET", path, headers={"Authorization": f"Bearer {READER_TOKEN}",
                                                 "Accept-Language": "zh-CN"})
        response = connection.getresponse()
        data = response.read()
    finally:
        connection.close()
    return (response.status, time.perf_counter() - started, len(data),
            int(response.headers.get(QUERY_HEADER) or 0))


def run(settings: Settings, cast: Cast, port: int, url: str, app) -> None:
    ingest(settings, cast, port, url, app)
    _register(app, cast)
    reads(settings, cast, port)
