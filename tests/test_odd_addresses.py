"""Odd addresses and query strings never cause a server error: every page that takes an id or a number is
asked for one far beyond any id, and for pages, years, months and filters that make no sense."""
from __future__ import annotations

import re

import pytest

from tests.factories import sign_in

PLACEHOLDER = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?\w+>")

HUGE = "99999999999999999999"
ODD_QUERIES = ["", f"?page={HUGE}", "?page=-5", "?page=x", f"?year={HUGE}", "?year=0", "?month=2026-13",
               "?month=99999-01", f"?unit={HUGE}", f"?sequence={HUGE}", "?state=nonsense", "?kind=nonsense",
               f"?month=2026-03&unit={HUGE}&kind=report_110"]


def _get_rules(app):
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and rule.endpoint != "static":
            yield rule


@pytest.mark.parametrize("badge", ["100001", "100004"])  # the province's administrator; its survey staff
def test_no_address_or_query_causes_a_server_error(app, client, org, badge):
    sign_in(client, badge)
    failures = []
    for rule in _get_rules(app):
        path = PLACEHOLDER.sub(lambda m: {"int": HUGE, "isodate": "2026-03-02"}.get(m.group(1) or "", "x"),
                               rule.rule)
        for query in ODD_QUERIES:
            status = client.get(path + query).status_code
            if status >= 500:
                failures.append(f"{path}{query} → {status}")
    assert failures == []
