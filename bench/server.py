"""The app as the bench serves it under gunicorn (``bench.server:app``): the product's own factory and settings, plus
what only the bench needs, added from outside so the product carries none of it:

- every response says how many SQL statements its request ran, in an ``X-Query-Count`` header (a
  ``before_cursor_execute`` listener on the app's engine, reset when a request begins, read after the request's
  commit, which is the last of the app's own after-request steps);
- two floors on the same server, process and middleware: ``GET /_bench/select`` runs one SELECT of one row,
  ``POST /_bench/insert`` one INSERT and its commit (no sign-in, no CSRF, no template);
- the clock pinned at ``BENCH_FIXED_NOW`` (ISO 8601), as the generated month needs.

The database and key come from the environment like the product's (WORKLOG_DATABASE_URL, SECRET_KEY); CSRF stays on.
"""
from __future__ import annotations

import os
from datetime import datetime, timezone

from flask import Flask, Response, request
from sqlalchemy import event, text

QUERY_HEADER = "X-Query-Count"


class _Counter:
    """Statements of the request in progress. A gunicorn sync worker serves one request at a time."""
    count = 0


def _count(_conn, _cursor, statement: str, *_args) -> None:
    # SQLite's BEGIN is sent as a statement (worklog/db.py), PostgreSQL's by the driver: counted on neither.
    if not statement.startswith("BEGIN"):
        _Counter.count += 1


def make_app() -> Flask:
    from worklog import create_app
    from worklog.extensions import csrf, db

    config = {}
    if os.environ.get("BENCH_FIXED_NOW"):
        config["FIXED_NOW"] = datetime.fromisoformat(os.environ["BENCH_FIXED_NOW"])
    app = create_app(config)
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", _count)

    def reset() -> None:
        _Counter.count = 0

    def header(response):
        response.headers[QUERY_HEADER] = str(_Counter.count)
        return response

    # Before every other before-request step, after every other after-request step (the commit included).
    app.before_request_funcs.setdefault(None, []).insert(0, reset)
    app.after_request_funcs.setdefault(None, []).insert(0, header)

    def floor_select():
        row = db.session.execute(text("SELECT id, badge FROM person WHERE id = :id"),
                                 {"id": request.args.get("id", 1, type=int)}).first()
        return Response(f"{row[0] if row else 0}\n", mimetype="text/plain")

    def floor_insert():
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        db.session.execute(text("INSERT INTO bench_floor (person_id, work_date, quantity, description, created_at) "
                                "VALUES (:p, :d, :q, :t, :c)"),
                           {"p": request.args.get("id", 1, type=int), "d": now.date(), "q": 1, "t": "bench", "c": now})
        return Response("ok\n", mimetype="text/plain")  # the app's after-request step commits, as for any page

    app.add_url_rule("/_bench/select", "bench_select", floor_select, methods=["GET"])
    app.add_url_rule("/_bench/insert", "bench_insert", csrf.exempt(floor_insert), methods=["POST"])
    return app


app = make_app()


if __name__ == "__main__":  # Werkzeug's server, when gunicorn cannot be imported: python -m bench.server PORT WORKERS
    import sys
    from werkzeug.serving import run_simple
    run_simple("127.0.0.1", int(sys.argv[1]), app, processes=int(sys.argv[2]), threaded=False)
