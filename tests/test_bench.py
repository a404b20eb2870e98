"""`make bench` itself: the harness runs end to end on a tiny province on SQLite and prints every figure it promises,
each as ``name product floor ratio unit``. Slow (a province is generated, a gunicorn server started, the evening
load run for a few seconds): skipped unless BENCH_TEST=1, so `make test` stays as fast as it was."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bench.pages import PAGES

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.environ.get("BENCH_TEST") != "1",
                       reason="set BENCH_TEST=1 to run the bench harness (2–4 minutes)"),
]


def expected_names(kind: str) -> list[str]:
    names = [f"month_close_{scope}_{kind}" for scope in ("county", "city", "province")]
    names += [f"memory_month_close_province_{kind}", f"ledger_refresh_county_{kind}", f"ledger_check_{kind}",
              f"week_sign_{kind}", f"week_sign_without_password_{kind}", f"week_sign_statements_{kind}",
              f"entry_save_{kind}", f"entry_save_statements_{kind}", f"eligibility_city_{kind}",
              f"eligibility_province_{kind}", f"survey_statistics_{kind}", f"unit_evaluation_{kind}"]
    names += [f"leadership_{period}_{scope}_{kind}" for period in ("month", "half", "year")
              for scope in ("province", "city")]
    for page in PAGES:
        names += [f"page_{page.name}_{kind}", f"page_{page.name}_queries_{kind}"]
    names += [f"load_mixed_{what}_{kind}" for what in ("rps", "p50", "p95", "errors")]
    names += [f"memory_export_round_{scope}_{kind}" for scope in ("province", "city")]
    names += ["startup_flask_help", "grade_group_4000_officers"]
    return names


def test_every_figure_is_printed_beside_its_floor(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BENCH_", "WORKLOG_"))}
    env.update(BENCH_SCALE="0.002", BENCH_REPEATS="1", BENCH_REQUESTS="2", BENCH_PAGE_SECONDS="1",
               BENCH_LOAD_SECONDS="2", BENCH_LOAD_CLIENTS="4", BENCH_STARTUP_RUNS="1", PYTHONWARNINGS="ignore")
    done = subprocess.run([sys.executable, "-m", "bench.run"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-4000:]
    figures = {}
    for row in done.stdout.splitlines():
        if row.startswith("#") or not row.strip():
            continue
        columns = row.split()
        assert len(columns) >= 5, row
        name, product, floor, ratio, unit = columns[:5]
        for value in (product, floor):
            float(value)  # a number, or nan when the product failed (the details say why)
        assert ratio == "-" or float(ratio) >= 0, row
        assert all("=" in c for c in columns[5:]), row
        figures[name] = columns
    missing = [n for n in expected_names("sqlite") if n not in figures]
    assert not missing, f"not printed: {missing}\n{done.stdout}"
    assert figures["load_mixed_rps_sqlite"][4] == "req/s"
    assert figures["page_officer_day_queries_sqlite"][4] == "queries"
    assert float(figures["page_officer_day_sqlite"][1]) > 0
