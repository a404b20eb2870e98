"""Pages under a real server, each signed in as the person who reads it, against the one-SELECT floor.

For each page: two untimed requests (both workers warm), then up to BENCH_REQUESTS timed ones (30), fewer when the
page is slow (BENCH_PAGE_SECONDS, 20 s, but at least 5), each followed by one request to ``/_bench/select`` on the
same server, so page and floor share the same moments of the machine. Printed per page:

``page_<name>_<db> p50 floor_p50 ratio s p95=… floor_p95=… bytes=… queries=… status=… n=…`` and
``page_<name>_queries_<db> queries 1 ratio queries`` (statements per request, counted by the server).
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

from bench.client import Browser
from bench.data import Cast, Settings
from bench.figures import info, line, p50, p95

WARM_UP = 2
MIN_REQUESTS = 5


@dataclass
class Page:
    name: str
    who: str                         # the cast member signed in
    path: Callable[[Cast], str]


PAGES = [
    Page("officer_day", "officer", lambda c: f"/day/{c.last_working_day.isoformat()}"),
    Page("officer_home", "officer", lambda c: "/"),
    Page("officer_ledger", "officer", lambda c: f"/ledger/{c.month_key}"),
    Page("review_queue", "supervisor", lambda c: f"/review?week={c.week.isoformat()}"),
    Page("review_week", "supervisor", lambda c: f"/review/{c.officer.id}/{c.week.isoformat()}"),
    Page("panel_month_county", "panel", lambda c: f"/month/{c.county.id}/{c.month_key}"),
    Page("panel_leniency_county", "panel", lambda c: f"/leniency/{c.county.id}/{c.month_key}"),
    Page("ledger_unit_city", "hr", lambda c: f"/ledgers/units/{c.city.id}/{c.month_key}"),
    Page("ledger_departments_city", "hr", lambda c: f"/ledgers/units/{c.city.id}/{c.month_key}/departments"),
    Page("ledger_department_officers", "hr", lambda c: f"/ledgers/departments/{c.department_id}/{c.month_key}"),
    Page("admin_people_county", "admin", lambda c: f"/admin/people?unit={c.county.id}"),
    Page("hr_round_city", "hr", lambda c: f"/hr/rounds/{c.round_city}"),
    Page("hr_round_city_xlsx", "hr", lambda c: f"/hr/rounds/{c.round_city}/export.xlsx"),
    Page("hr_round_province", "hr", lambda c: f"/hr/rounds/{c.round_province}"),
    Page("hr_round_province_xlsx", "hr", lambda c: f"/hr/rounds/{c.round_province}/export.xlsx"),
    Page("survey_bulletin", "survey", lambda c: f"/units/bulletin?month={c.month_key}"),
]


def _half(cast: Cast) -> str:
    return f"{cast.month.year}-H{1 if cast.month.month <= 6 else 2}"


#: Leadership's view (HR over the province reads it as leadership does): the month of work, its half-year and its
#: year, over the province and over the biggest city. The ``leadership`` section runs these pages alone.
LEADERSHIP_PAGES = [
    Page(f"leadership_{kind}_{scope}", "hr",
         lambda c, key=key, scope=scope: f"/leadership/{getattr(c, scope).id}?period={key(c)}")
    for kind, key in (("month", lambda c: c.month_key), ("half", _half), ("year", lambda c: str(c.month.year)))
    for scope in ("province", "city")
]
PAGES += LEADERSHIP_PAGES


def run(settings: Settings, cast: Cast, port: int, pages: list[Page] | None = None) -> None:
    pages = PAGES if pages is None else pages
    browsers: dict[str, Browser] = {}
    for who in sorted({p.who for p in pages}):
        browser = Browser(port)
        browser.sign_in(getattr(cast, who).badge, settings.password)
        browsers[who] = browser
    floor = Browser(port)
    floor_path = f"/_bench/select?id={cast.officer.id}"
    for page in pages:
        path = page.path(cast)
        browser = browsers[page.who]
        for _ in range(WARM_UP):
            browser.get(path)
            floor.get(floor_path)
        answers, floors = [], []
        started = time.perf_counter()
        while len(answers) < settings.requests:
            answers.append(browser.get(path))
            floors.append(floor.get(floor_path))
            if len(answers) >= min(MIN_REQUESTS, settings.requests) and \
                    time.perf_counter() - started > settings.page_budget:
                break
        statuses = sorted({a.status for a in answers})
        failed = sum(1 for a in answers if a.status != 200) + sum(1 for f in floors if f.status != 200)
        queries = p50(a.queries for a in answers if a.queries is not None)
        floor_queries = p50(f.queries for f in floors if f.queries is not None)
        name = f"page_{page.name}_{settings.kind}"
        line(name, p50(a.seconds for a in answers), p50(f.seconds for f in floors), "s",
             p95=p95(a.seconds for a in answers), floor_p95=p95(f.seconds for f in floors),
             bytes=int(p50(a.size for a in answers)), queries=int(queries) if queries == queries else None,
             status=",".join(map(str, statuses)), errors=failed or None, n=len(answers))
        line(f"page_{page.name}_queries_{settings.kind}", queries, floor_queries, "queries")
        if statuses != [200]:
            info(f"{page.name}: {path} answered {statuses}")
