"""Work the bench runs in a process of its own, so that its peak memory (RSS) is its own and nothing is cached from
the work before: ``python -m bench.child <job> …`` prints one JSON line, its seconds and peak RSS (MB).

- ``close CODE YYYY-MM [--subtree]``: ``flask --app app month close`` itself, invoked in-process through the CLI
  runner, timed around the command (not around Python's start-up);
- ``close-floor UNIT_ID YYYY-MM [--subtree]``: the hand-written GROUP BYs that month close must read at least
  (each officer's entries of the month: approved points, returned and reduced entries, the count; each officer's
  day logs: submitted and late), over the same units, all rows fetched (a server-side cursor would be slower: PostgreSQL
  plans a cursor for its first rows);
- ``base``: the app made and one SELECT run, nothing else: the process's own memory, the floor of every peak;
- ``get BADGE PATH``: one page or export, signed in as BADGE through the sign-in form (CSRF on), the whole body read;
  ``get BADGE /_bench/select`` is the floor: the same app in the same kind of process answering one SELECT.

With BENCH_PROFILE=<folder>, the product's part of each job is profiled there (``.prof`` and a ``.txt`` summary).

The database, key and clock come from the environment the bench sets (see bench/data.py).
"""
from __future__ import annotations

import json
import os
import resource
import sys
import time
from datetime import date, datetime

from sqlalchemy import text


def peak_mb() -> float:
    """The process's peak resident memory since it began, or since :func:`reset_peak`."""
    try:
        with open("/proc/self/status") as f:
            for row in f:
                if row.startswith("VmHWM:"):
                    return int(row.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def reset_peak() -> None:
    """Forget the peak so far (Linux: "5" to clear_refs sets it to the current size): signing in checks a password
    with argon2, whose 64 MiB would otherwise be every export's peak."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def _config() -> dict:
    config = {}
    if os.environ.get("BENCH_FIXED_NOW"):
        config["FIXED_NOW"] = datetime.fromisoformat(os.environ["BENCH_FIXED_NOW"])
    return config


def _profiler():
    """With BENCH_PROFILE=<folder>, the product's part of each job is profiled (cProfile) into that folder."""
    if not os.environ.get("BENCH_PROFILE"):
        return None
    import cProfile
    profiler = cProfile.Profile()
    profiler.enable()
    return profiler


def _save_profile(profiler, name: str) -> None:
    if profiler is None:
        return
    import pstats
    profiler.disable()
    folder = os.environ["BENCH_PROFILE"]
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"{name}-{os.getpid()}")
    profiler.dump_stats(path + ".prof")
    with open(path + ".txt", "w") as f:
        pstats.Stats(profiler, stream=f).sort_stats("cumulative").print_stats(60)


def close(code: str, month: str, subtree: bool) -> dict:
    from worklog import create_app
    app = create_app(_config())
    runner = app.test_cli_runner()
    args = ["month", "close", code, month] + (["--subtree"] if subtree else [])
    profiler = _profiler()
    started = time.perf_counter()
    result = runner.invoke(args=args)
    seconds = time.perf_counter() - started
    _save_profile(profiler, f"close-{code}")
    if result.exit_code != 0:
        raise SystemExit(f"month close failed: {result.output[-2000:]}{result.exception!r}")
    officers = sum(int(line.rsplit(" ", 2)[-2]) for line in result.output.splitlines()
                   if line.endswith(" officers") and ": " in line)
    return {"seconds": seconds, "officers": officers}


def close_floor(unit_id: int, month: str, subtree: bool) -> dict:
    from worklog import create_app
    from worklog.extensions import db
    from worklog.timekeeping import month_bounds
    app = create_app(_config())
    first, last = month_bounds(date.fromisoformat(month + "-01"))
    with app.app_context():
        params = {"u": unit_id, "a": first, "b": last}
        if subtree:
            params["p"] = db.session.scalar(text("SELECT path FROM unit WHERE id = :u"), params) + "%"
            units = "unit_id IN (SELECT id FROM unit WHERE path LIKE :p)"
        else:
            units = "unit_id = :u"
        db.session.rollback()
        started = time.perf_counter()
        with db.engine.connect() as conn:
            officers = len(conn.execute(text(
                "SELECT person_id, sum(CASE WHEN status = 'approved' THEN approved_points ELSE 0 END), "
                "sum(returned_count), "
                "sum(CASE WHEN status = 'approved' AND approved_points < points THEN 1 ELSE 0 END), "
                f"count(*) FROM entry WHERE {units} AND work_date >= :a AND work_date <= :b GROUP BY person_id"),
                params).all())
            days = len(conn.execute(text(
                "SELECT person_id, sum(CASE WHEN status = 'submitted' THEN 1 ELSE 0 END), "
                "sum(CASE WHEN status = 'submitted' AND late THEN 1 ELSE 0 END) FROM day_log "
                f"WHERE {units} AND work_date >= :a AND work_date <= :b GROUP BY person_id"), params).all())
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "officers": officers, "rows": officers + days}


def base() -> dict:
    from worklog import create_app
    from worklog.extensions import db
    app = create_app(_config())
    with app.app_context():
        started = time.perf_counter()
        db.session.execute(text("SELECT 1")).all()
        return {"seconds": time.perf_counter() - started}


def get(badge: str, path: str) -> dict:
    from bench.client import csrf_token
    from bench.server import app
    app.config["SERVER_NAME"] = None
    client = app.test_client()
    if badge != "-":
        page = client.get("/sign-in")
        answer = client.post("/sign-in", data={"badge": badge, "password": os.environ["BENCH_PASSWORD"], "next": "",
                                               "csrf_token": csrf_token(page.get_data(as_text=True))})
        if answer.status_code != 302 or "sign-in" in answer.headers.get("Location", ""):
            raise SystemExit(f"signing in as {badge} failed ({answer.status_code})")
    import gc
    gc.collect()
    reset_peak()
    profiler = _profiler() if badge != "-" and not path.startswith("/_bench") else None
    started = time.perf_counter()
    response = client.get(path, buffered=False)
    size = sum(len(chunk) for chunk in response.response)
    response.close()
    seconds = time.perf_counter() - started
    _save_profile(profiler, "get" + path.replace("/", "-").replace("?", "-"))
    return {"seconds": seconds, "status": response.status_code, "bytes": size}


def main(argv: list[str]) -> None:
    job, args = argv[0], argv[1:]
    subtree = "--subtree" in args
    args = [a for a in args if a != "--subtree"]
    if job == "close":
        result = close(args[0], args[1], subtree)
    elif job == "close-floor":
        result = close_floor(int(args[0]), args[1], subtree)
    elif job == "base":
        result = base()
    elif job == "get":
        result = get(args[0], args[1])
    else:
        raise SystemExit(f"unknown job {job}")
    result["rss_mb"] = peak_mb()
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
