"""The evening peak: BENCH_LOAD_CLIENTS clients (40) at once for BENCH_LOAD_SECONDS (30), each a thread with its own
signed-in browser, against the same server as the pages.

Three in four clients are officers: each opens a day of the past week and saves an entry on it (the form's POST,
CSRF token and all), again and again. The others are supervisors opening their officers' weeks. The floor: the same
clients, for the same time, each posting to ``/_bench/insert`` (one INSERT and its commit, same server and workers).

Printed: requests per second (ratio = product ÷ floor: higher is better), p50 and p95 of every request, and the
errors (any answer other than 200 for a page or 302 after a save, or no answer at all).
"""
from __future__ import annotations

import threading
import time
from datetime import timedelta

from bench.client import Browser
from bench.data import Cast, PersonRef, Settings
from bench.figures import info, line, p50, p95


class Client(threading.Thread):
    def __init__(self, port: int, until: threading.Event, work):
        super().__init__(daemon=True)
        self.browser = Browser(port, timeout=120)
        self.until, self.work = until, work
        self.seconds: list[float] = []
        self.kinds: list[str] = []
        self.errors = 0
        self.failures: dict[str, int] = {}
        self.go = threading.Event()

    def run(self) -> None:
        self.go.wait()
        step = 0
        while not self.until.is_set():
            try:
                for kind, status, ok, seconds in self.work(self.browser, step):
                    self.seconds.append(seconds)
                    self.kinds.append(kind)
                    if not ok:
                        self.errors += 1
                        key = f"{kind} {status}"
                        self.failures[key] = self.failures.get(key, 0) + 1
                    if self.until.is_set():
                        break
            except OSError as error:
                self.errors += 1
                key = type(error).__name__
                self.failures[key] = self.failures.get(key, 0) + 1
            step += 1


def _officer_work(cast: Cast, tasks: list[int], token: str):
    days = [cast.today - timedelta(days=k) for k in range(7)]

    def work(browser: Browser, step: int):
        day = days[step % len(days)].isoformat()
        page = browser.get(f"/day/{day}")
        yield "day", page.status, page.status == 200, page.seconds
        saved = browser.post(f"/day/{day}/entries", {
            "csrf_token": token, "task_type": tasks[step % len(tasks)], "quantity": "0.1", "hours": "0",
            "completion": "done", "description": "bench"})
        yield "save", saved.status, saved.status == 302, saved.seconds
    return work


def _supervisor_work(cast: Cast, officers: list[PersonRef]):
    def work(browser: Browser, step: int):
        officer = officers[step % len(officers)]
        page = browser.get(f"/review/{officer.id}/{cast.week.isoformat()}")
        yield "week", page.status, page.status == 200, page.seconds
    return work


def _floor_work(person_id: int):
    def work(browser: Browser, _step: int):
        answer = browser.post(f"/_bench/insert?id={person_id}", {})
        yield "insert", answer.status, answer.status == 200, answer.seconds
    return work


def _drive(clients: list[Client], seconds: float, until: threading.Event) -> float:
    for client in clients:
        client.start()
    started = time.perf_counter()
    for client in clients:
        client.go.set()
    time.sleep(seconds)
    until.set()
    for client in clients:
        client.join(timeout=300)
    return time.perf_counter() - started


def tasks_of(app, cast: Cast, people: list[PersonRef]) -> dict[int, list[int]]:
    """The tasks each officer may log on the pinned day (from the product's own catalog query)."""
    from models import Person
    from worklog.catalog import queries as catalog
    from worklog.extensions import db
    found = {}
    with app.app_context():
        for ref in people:
            person = db.session.get(Person, ref.id)
            assignment = person.assignment_on(cast.today)
            options = catalog.task_options(assignment, person.id, cast.today) if assignment else []
            found[ref.id] = [o.id for o in options]
    return found


def run(settings: Settings, cast: Cast, port: int, app) -> None:
    n = settings.load_clients
    officers_wanted = max(1, round(n * 0.75)) if n > 1 else 1
    supervisors_wanted = n - officers_wanted
    pairs = cast.team
    officers = [o for o, _s in pairs][:officers_wanted]
    teams: dict[int, tuple[PersonRef, list[PersonRef]]] = {}
    for officer, supervisor in pairs:
        teams.setdefault(supervisor.id, (supervisor, []))[1].append(officer)
    supervisors = list(teams.values())
    tasks = tasks_of(app, cast, officers)
    officers = [o for o in officers if tasks[o.id]]

    until = threading.Event()
    clients: list[Client] = []
    people = []
    for i in range(officers_wanted):
        officer = officers[i % len(officers)]
        people.append(("officer", officer))
    for i in range(supervisors_wanted):
        people.append(("supervisor", supervisors[i % len(supervisors)]))

    def sign_in(client: Client, who, kind: str) -> None:
        if kind == "officer":
            client.browser.sign_in(who.badge, settings.password)
            token = client.browser.token(f"/day/{cast.today.isoformat()}")
            client.work = _officer_work(cast, tasks[who.id], token)
        else:
            supervisor, team = who
            client.browser.sign_in(supervisor.badge, settings.password)
            client.work = _supervisor_work(cast, team)

    for kind, who in people:
        clients.append(Client(port, until, None))
    signers = [threading.Thread(target=sign_in, args=(c, who, kind)) for c, (kind, who) in zip(clients, people)]
    for t in signers:
        t.start()
    for t in signers:
        t.join()
    info(f"load: {officers_wanted} officers and {supervisors_wanted} supervisors signed in; "
         f"{settings.load_seconds:g} s of evening")
    elapsed = _drive(clients, settings.load_seconds, until)

    floor_until = threading.Event()
    floor_clients = [Client(port, floor_until, _floor_work(who.id if kind == "officer" else who[0].id))
                     for kind, who in people]
    floor_elapsed = _drive(floor_clients, settings.load_seconds, floor_until)

    def totals(group: list[Client], seconds: float):
        times = [t for c in group for t in c.seconds]
        return len(times) / seconds, times, sum(c.errors for c in group)

    rps, times, errors = totals(clients, elapsed)
    floor_rps, floor_times, floor_errors = totals(floor_clients, floor_elapsed)
    by_kind = {}
    for c in clients:
        for kind, t in zip(c.kinds, c.seconds):
            by_kind.setdefault(kind, []).append(t)
    for group, label in ((clients, "load"), (floor_clients, "load floor")):
        failures: dict[str, int] = {}
        for c in group:
            for key, count in c.failures.items():
                failures[key] = failures.get(key, 0) + count
        if failures:
            info(f"{label}: failed requests: " + ", ".join(f"{k}: {v}" for k, v in sorted(failures.items())))
    kind = settings.kind
    line(f"load_mixed_rps_{kind}", rps, floor_rps, "req/s", requests=len(times), floor_requests=len(floor_times),
         clients=n, seconds=settings.load_seconds)
    line(f"load_mixed_p50_{kind}", p50(times), p50(floor_times), "s",
         **{f"{k}_p50": p50(v) for k, v in sorted(by_kind.items())})
    line(f"load_mixed_p95_{kind}", p95(times), p95(floor_times), "s",
         **{f"{k}_p95": p95(v) for k, v in sorted(by_kind.items())})
    line(f"load_mixed_errors_{kind}", errors, floor_errors, "errors")
