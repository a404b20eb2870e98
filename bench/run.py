"""`make bench`: the product on a synthetic province, one line per figure, each beside its floor.

    name product floor ratio unit [key=value …]

``product`` is the median of the repeats (or of the requests), ``floor`` the median of the least the same work can
cost, measured in the same run and taking turns with the product; ``ratio`` is product ÷ floor (for ``req/s``
higher is better, for everything else lower); the details after the five columns give the spread (``min``, ``max``,
``p95``…), the statements or queries, the sizes. Lines starting with ``#`` give the context. Progress goes to
standard error. docs/PERFORMANCE.md explains every figure and keeps the ones measured.

Settings (environment):
  BENCH_SCALE=0.01          province size (1.0: about 100,000 officers, 9 million entries a month)
  BENCH_SEED=1              the generator's seed
  BENCH_DATABASE_URL=…      PostgreSQL server to work on (a database is created beside that one's); SQLite otherwise
  BENCH_REUSE=1             keep the generated database and use it again next time (named after scale and seed,
                            or BENCH_DB_NAME); the bench puts back what it changed
  BENCH_REPEATS=3           repeats of each figure;  BENCH_REQUESTS=30 timed requests per page
  BENCH_PAGE_SECONDS=20     at most this long per page (at least 5 requests)
  BENCH_LOAD_SECONDS=30     the evening load's length, BENCH_LOAD_CLIENTS=40 its clients, BENCH_WORKERS=2
  BENCH_STARTUP_RUNS=5      runs of the start-up figure
  BENCH_ONLY=a,b            sections: close, services, indicators, leadership, pages, api, load, memory, startup,
                            grading, keyboard
  BENCH_PASSWORD=…          every account's password (the generator's default otherwise)
  BENCH_KEEP=1              keep the scratch database
  BENCH_PROFILE=folder      profile each month close and the export (cProfile) into that folder
"""
from __future__ import annotations

import os
import platform
import sys
import tempfile
import time
from datetime import date

SECTIONS = ("close", "services", "indicators", "leadership", "pages", "api", "load", "memory", "startup", "grading",
            "keyboard")


def machine() -> str:
    try:
        with open("/proc/meminfo") as f:
            memory = int(f.readline().split()[1]) / 1024 / 1024
    except OSError:
        memory = 0
    return f"{os.cpu_count()} cpu, {memory:.1f} GiB, Python {platform.python_version()}"


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] in ("-h", "--help"):
        print(__doc__)
        return
    os.environ.pop("WORKLOG_INSTANCE_PATH", None)
    from bench import data, database, load, pages
    from bench.client import Server
    from bench.figures import comment, info

    settings = data.Settings.from_environment()
    unknown = (settings.only or set()) - set(SECTIONS)
    if unknown:
        raise SystemExit(f"BENCH_ONLY: unknown sections {', '.join(sorted(unknown))} (known: {', '.join(SECTIONS)})")
    started = time.perf_counter()
    os.environ["WORKLOG_INSTANCE_PATH"] = data.instance_folder()
    with data.Database(settings) as db_place:
        url = db_place.url
        needs_data = any(settings.wants(s) for s in ("close", "services", "indicators", "leadership", "pages", "api",
                                                     "load", "memory"))
        cast = app = None
        if needs_data:
            data.prepare(settings, url)
            from sqlalchemy import create_engine
            from sqlalchemy.orm import Session
            engine = create_engine(url)
            with Session(engine) as session:
                cast = data.find_cast(session)
            engine.dispose()
            from worklog import create_app
            app = create_app({"DATABASE_URL": url, "SECRET_KEY": data.SECRET_KEY, "FIXED_NOW": cast.now})
            with app.app_context():
                from sqlalchemy import text
                from worklog.extensions import db
                version = db.session.execute(text(
                    "SELECT version()" if settings.kind == "pg" else "SELECT sqlite_version()")).scalar()
            comment(f"scale {settings.scale:g} seed {settings.seed} on {settings.kind} ({version.split(' on ')[0]}); "
                    f"{machine()}; {date.today().isoformat()}")
            comment(f"province: {cast.officers} people, {cast.entries} entries in {cast.month_key}; county "
                    f"{cast.county.code} ({cast.county.officers} officers), city {cast.city.code} "
                    f"({cast.city.officers}), clock pinned at {cast.now.isoformat()}")
            data.ensure_rounds(app, cast)
        try:
            if settings.wants("close"):
                info("month close (county, city, province) …")
                database.month_close(settings, url, cast)
            if settings.wants("services"):
                info("ledgers, signatures, entries, rounds, survey …")
                database.in_process(settings, app, cast)
            if settings.wants("indicators"):
                from bench import indicators
                info("indicators set from above …")
                indicators.run(settings, cast, url, app)
            if settings.wants("leadership"):
                from bench import leadership
                info("leadership's view …")
                leadership.run(settings, cast, app)
            if any(settings.wants(s) for s in ("pages", "api", "load", "leadership")):
                data.ensure_month_computed(app, cast)
                with tempfile.TemporaryDirectory(prefix="worklog-bench-server-") as folder, \
                        Server(url, cast.now.isoformat(), settings.workers, folder) as server:
                    try:
                        if settings.wants("pages"):
                            info("pages …")
                            pages.run(settings, cast, server.port)
                        elif settings.wants("leadership"):
                            info("leadership's pages …")
                            pages.run(settings, cast, server.port, pages.LEADERSHIP_PAGES)
                        if settings.wants("api"):
                            from bench import api
                            info("the API: work facts in, reads …")
                            api.run(settings, cast, server.port, url, app)
                        if settings.wants("load"):
                            info("evening load …")
                            load.run(settings, cast, server.port, app)
                    except Exception:
                        info(f"server log:\n{server.tail()}")
                        raise
            if settings.wants("memory"):
                info("peak memory of the largest export …")
                database.memory_exports(settings, url, cast)
        finally:
            if cast is not None:
                data.put_back(url, cast, app)
            if app is not None:
                with app.app_context():
                    from worklog.extensions import db
                    db.engine.dispose()
        if settings.wants("startup"):
            info("start-up …")
            database.startup(settings, url)
        if settings.wants("keyboard"):
            from bench import keyboard
            info("the officer's day by keyboard, in Chromium …")
            keyboard.run(settings)
    if settings.wants("grading"):
        database.grading(settings)
    info(f"bench done in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
