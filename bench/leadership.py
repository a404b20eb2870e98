"""Leadership's view (issue 15, point 4) at the province's size.

``leadership_<period>_<scope>_<db>``: :func:`worklog.leadership.queries.dashboard` — every figure of every row and of
the total, this period and the same days a year earlier, the trend, the indicators — for the month of work, its
half-year and its year (each the part of it up to the pinned clock), over the province and over the biggest city,
in this process under the bench's clock, with the SQL statements it ran. What the dashboard shows is read from the
page's own function; the page itself, served, is ``page_leadership_*`` (bench/pages.py).

The floor is the hand-written SQL of the rows the figures count, over the same units and both periods, run on the
same connection and taking turns with the product: the final grades of the months' published and final results
with the days due and cleared recorded with each (``month_result``), the officers' weeks with days logged and
their signature by the deadline (each day logged joined to its week's row, officers counted distinct per unit and
week), and the survey's calls by outcome. It is what the
figures cost when they are counted from the rows they are made of, the least a reader can pay without a roll-up;
the view reads the roll-ups kept as results are computed and weeks signed (``unit_month_grade``, ``unit_week``),
so a ratio below 1 is the roll-ups' gain over any reading of the rows.

Printed: ``name seconds floor_seconds ratio s min=… max=… runs=… statements=… units=… graded=…``.
"""
from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import text

from bench.data import Cast, Settings
from bench.figures import info, p50, timings


def _floor_sql(pg: bool) -> list[str]:
    days = ("CAST(r.explanation -> 'days' ->> 'due' AS INTEGER)", "CAST(r.explanation -> 'days' ->> 'cleared' AS "
            "INTEGER)") if pg else ("json_extract(r.explanation, '$.days.due')",
                                    "json_extract(r.explanation, '$.days.cleared')")
    week = "CAST(date_trunc('week', d.work_date) AS DATE)" if pg else "date(d.work_date, '-6 days', 'weekday 1')"
    # The signing deadline: Wednesday 00:00 in Shanghai after the week (Monday + 9 days), in UTC.
    deadline = (f"CAST({week} + 9 AS TIMESTAMP) AT TIME ZONE 'Asia/Shanghai'" if pg
                else f"datetime({week}, '+9 days', '-8 hours')")
    months = "v.month = ANY(:months)" if pg else "v.month IN (SELECT value FROM json_each(:months))"
    draws = months.replace("v.month", "s.month")
    return [
        f"SELECT v.unit_id, v.month, r.final_grade, count(*), coalesce(sum({days[0]}), 0), "
        f"coalesce(sum({days[1]}), 0) FROM month_result r JOIN month_review v ON v.id = r.month_review_id "
        f"JOIN unit u ON u.id = v.unit_id WHERE u.path LIKE :path AND {months} "
        f"AND v.status IN ('published', 'final') GROUP BY v.unit_id, v.month, r.final_grade",
        f"SELECT d.unit_id, {week}, count(DISTINCT d.person_id), "
        f"count(DISTINCT d.person_id) FILTER (WHERE w.status = 'signed'), "
        f"count(DISTINCT d.person_id) FILTER (WHERE w.status = 'signed' AND w.signed_at <= {deadline}) "
        f"FROM day_log d JOIN unit u ON u.id = d.unit_id "
        f"LEFT JOIN week_review w ON w.person_id = d.person_id AND w.week_start = {week} "
        f"WHERE u.path LIKE :path AND ((d.work_date >= :first AND d.work_date <= :last "
        f"AND {week} >= :first AND {week} <= :last_monday) OR (d.work_date >= :first_before "
        f"AND d.work_date <= :last_before AND {week} >= :first_before AND {week} <= :last_monday_before)) "
        f"GROUP BY d.unit_id, {week}",
        f"SELECT s.unit_id, s.month, c.outcome, count(c.id) FROM survey_draw s JOIN survey_call c ON c.draw_id = s.id "
        f"JOIN unit u ON u.id = s.unit_id WHERE u.path LIKE :path AND {draws} AND c.outcome IS NOT NULL "
        f"GROUP BY s.unit_id, s.month, c.outcome",
    ]


def run(settings: Settings, cast: Cast, app) -> None:
    import json
    from models import Unit
    from worklog.extensions import db
    from worklog.leadership import queries
    from worklog.rules.leadership import HALF, MONTH, YEAR, period_of, span_a_year_earlier, span_of
    from bench.database import Statements
    pg = settings.kind == "pg"
    statements = _floor_sql(pg)
    with app.app_context():
        counter = Statements(db.engine)
        try:
            for kind in (MONTH, HALF, YEAR):
                period = period_of(cast.month, kind)
                span = span_of(period, cast.today)
                earlier = span_a_year_earlier(span)
                months = sorted(set(span.months) | set(earlier.months))
                # The survey's trend of a month reaches back twelve months.
                draws = sorted(set(months) | {(cast.month.replace(day=1) - timedelta(days=31 * k)).replace(day=1)
                                              for k in range(12)}) if kind == MONTH else months
                for scope, ref in (("province", cast.province), ("city", cast.city)):
                    # Weeks whose Monday falls in the span, with all their days.
                    params = {"path": ref.path + "%", "first": span.first, "last": span.last + timedelta(days=6),
                              "last_monday": span.last, "first_before": earlier.first,
                              "last_before": earlier.last + timedelta(days=6), "last_monday_before": earlier.last,
                              "months": months if pg else json.dumps([m.isoformat() for m in months])}
                    survey_params = params | {"months": draws if pg else json.dumps([m.isoformat()
                                                                                     for m in draws])}
                    product, floor, counts, graded = [], [], [], 0
                    for _ in range(settings.repeats):
                        conn = db.session.connection()
                        started = time.perf_counter()
                        for statement in statements:
                            conn.execute(text(statement), survey_params if "survey_draw" in statement
                                         else params).all()
                        floor.append(time.perf_counter() - started)
                        db.session.rollback()
                        unit = db.session.get(Unit, ref.id)
                        with counter.counting():
                            started = time.perf_counter()
                            view = queries.dashboard(unit, period)
                            product.append(time.perf_counter() - started)
                            counts.append(counter.count)
                        graded = view.total.line("graded").now
                        db.session.rollback()
                    timings(f"leadership_{kind}_{scope}_{settings.kind}", product, floor, period=period.key,
                            statements=int(p50(counts)), units=len(view.units), graded=graded)
        finally:
            counter.close()
            db.session.close()
    info("leadership's view measured")

