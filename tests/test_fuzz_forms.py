"""No input gives a 500: random values posted into every field of every form the pages show, and into every query
parameter the routes read, each signed in as a role that may use it.

Nothing here lists forms by hand. The pages are found in the app's ``url_map`` (their address parts filled with the
ids of a small world), opened as each role, and every ``<form>`` they show is taken with its fields and the values
the page put in them; a new form on any page is fuzzed without touching this file. Each example keeps the page's
values but for a few fields, so that the post gets past the fields it did not touch and reaches the service. A
post that is refused (4xx, or the page again with its errors) must leave every table as it was.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timezone
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, Phase, given, settings, strategies as st

from tests.daily.conftest import TODAY, catalog  # noqa: F401  (the day fixtures, shared)
from tests.factories import sign_in, state_counts
from tests.weekly.conftest import MONDAY, log_week
from worklog.extensions import db

#: Values people and attackers type: numbers at and past every limit, dates outside ``date``'s reach, markup,
#: SQL, control and right-to-left characters, Chinese and full-width digits, a few KB of text.
NASTY = ["", " ", "0", "-0", "-1", "0.001", "1e999999", "-1e999999", "1e-999999", "NaN", "sNaN", "-inf",
         "Infinity", "9" * 40, "2147483648", "-2147483649", "9223372036854775808", "1,5", "0x1F", "１２", "一二",
         "9999-12-31", "0001-01-01", "9999-12", "0000-00", "2026-02-30", "2026-13-01", "10000-01-01", "2026-W48",
         "<script>alert(1)</script>", "' OR '1'='1' --", "'; DROP TABLE person; --", "%s%n%x", "{{ 7*7 }}",
         "\u202egnp.exe", "\ufeff", "a\x00b", "../../etc/passwd", "null", "[]", "on", "true", "x" * 3000, "中" * 2000]

values = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=40),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)).map(date.isoformat),
    st.text(min_size=500, max_size=4000),
)

FUZZ = settings(max_examples=10, deadline=None, database=None, derandomize=True,
                phases=[Phase.explicit, Phase.generate],  # a failure is shown as found, not shrunk (time)
                suppress_health_check=list(HealthCheck))


# --- The world the pages are opened in --------------------------------------------------------------------------


@pytest.fixture
def world(app, org, catalog):
    """Officer A's week logged (some days submitted), a month open for the panel: enough for most pages to show
    their forms."""
    from worklog.monthly import services as monthly
    log_week(app, org["officer_a"], catalog)
    now, app.config["FIXED_NOW"] = app.config["FIXED_NOW"], datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc)
    monthly.open_month(org.county_a, date(2026, 11, 1), org["panel_a"])  # once November is over
    app.config["FIXED_NOW"] = now
    # An inspector of county A, and a finding about officer A with a rectification to answer and a file.
    from models import Role
    from tests.factories import make_person
    from worklog.inspection import services as inspection
    org.people["inspector_a"] = make_person("500001", "Inspector A", org.dept_a, org.post,
                                            roles={Role.inspector.value: org.county_a})
    # The leadership of city A: its view's period and table are fuzzed as it reads them.
    org.people["leader_a"] = make_person("600001", "Leader A", org.dept_a, org.post,
                                         roles={Role.leader.value: org.city_a})
    inspection.record_finding({"target": "officer", "badge": org["officer_a"].badge, "found_on": MONDAY,
                               "category": "discipline", "description": "Late", "rectify": True,
                               "files": [inspection.Upload("evidence.pdf", b"%PDF-1.4 evidence")]},
                              org["inspector_a"])
    db.session.commit()
    return org


def _values_for(org, catalog) -> dict[str, object]:
    """What each part of an address is filled with."""
    from sqlalchemy import select
    from models import Attachment, Entry, Finding, MonthReview
    entry = db.session.scalar(select(Entry.id).order_by(Entry.id))
    review = db.session.scalar(select(MonthReview.id).order_by(MonthReview.id))
    return {"unit_id": org.county_a.id, "parent_id": org.county_a.id, "department_id": org.dept_a.id,
            "person_id": org["officer_a"].id, "post_id": org.post.id, "sequence_id": org.post.sequence_id,
            "task_type_id": catalog["T1"].id, "category_id": catalog["T1"].category_id, "entry_id": entry,
            "review_id": review, "month": "2026-11",
            "year": 2026, "day": TODAY.isoformat(), "week": MONDAY.isoformat(), "fmt": "xlsx",
            "finding_id": db.session.scalar(select(Finding.id)),
            "attachment_id": db.session.scalar(select(Attachment.id))}


def _get_pages(app, fill: dict) -> list[str]:
    pages = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static" or any(a not in fill for a in rule.arguments):
            continue
        pages.append(rule.build({a: fill[a] for a in rule.arguments}, append_unknown=False)[1])
    return sorted(set(pages))


def _forms(html: str, page: str) -> list[tuple[str, str, dict[str, str]]]:
    """(method, action, {field: value the page gave}) of each form on a page."""
    found = []
    for form in BeautifulSoup(html, "html.parser").find_all("form"):
        action = urlsplit(form.get("action") or page).path
        fields: dict[str, str] = {}
        for tag in form.find_all(["input", "select", "textarea"]):
            name = tag.get("name")
            if not name or name == "csrf_token":
                continue
            if tag.name == "select":
                chosen = tag.find("option", selected=True) or tag.find("option")
                fields.setdefault(name, chosen.get("value", chosen.get_text()) if chosen else "")
            elif tag.name == "textarea":
                fields.setdefault(name, tag.get_text())
            elif tag.get("type") in ("radio", "checkbox"):
                if tag.has_attr("checked") or name not in fields:
                    fields[name] = tag.get("value", "on")
            elif tag.get("type") not in ("submit", "button", "file"):
                fields.setdefault(name, tag.get("value", ""))
        found.append(((form.get("method") or "get").lower(), action, fields))
    return found


#: The query parameters the routes read by hand (``request.args.get("page")``, ``int_arg("year")``): read from the
#: source, so that a new one is fuzzed too. Forms built from ``request.args`` are found on their pages.
_ARG = re.compile(r"""(?:request\.args\.get(?:list)?\(|int_arg\(|request\.args\[)\s*["'](\w+)["']""")
QUERY_NAMES = sorted({name for path in Path(__file__).parent.parent.joinpath("worklog").rglob("*.py")
                      for name in _ARG.findall(path.read_text(encoding="utf-8"))})

#: Who opens the pages, admin last: the admin's forms change other people (passwords, roles, activity).
ROLES = ["officer_a", "supervisor_a", "panel_a", "hr_a", "survey", "inspector_a", "leader_a", "admin_a"]

#: Posts that end the fuzzer's own session rather than test anything.
SKIP_POSTS = {"/sign-out"}


def _form_field_names() -> list[str]:
    """The names of the fields of every Flask-WTF form class of the application."""
    from flask_wtf import FlaskForm
    from wtforms.fields.core import UnboundField
    names, classes = set(), [FlaskForm]
    while classes:
        cls = classes.pop()
        classes.extend(cls.__subclasses__())
        if cls.__module__.startswith("worklog."):
            names |= {name for name in dir(cls) if isinstance(getattr(cls, name, None), UnboundField)}
    return sorted(names - {"csrf_token"})


def _refused(response) -> bool:
    if response.status_code >= 400:
        return True
    if response.status_code == 200:
        soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
        return bool(soup.select("small.error, p.flash-error"))
    return False


def _check_post(client, action: str, data: dict[str, str]) -> None:
    before = state_counts()
    response = client.post(action, data=data)
    assert response.status_code < 500, (action, data, response.status)
    if _refused(response):
        assert state_counts() == before, (action, data, response.status, "a refused post changed the tables")


def test_no_form_field_and_no_query_parameter_gives_a_server_error(app, client, world, catalog):
    if db.engine.dialect.name != "sqlite":
        # The values PostgreSQL judges differently (null characters, numbers past its numeric's range) are
        # tried on both databases in tests/test_clear_errors.py; the whole fuzz once is enough for CI's time.
        pytest.skip("the fuzz runs once, on SQLite")
    fill = _values_for(world, catalog)
    pages = _get_pages(app, fill)
    posts: dict[str, tuple[str, dict[str, str]]] = {}   # action → (role, the page's values)
    gets: dict[str, tuple[str, set[str]]] = {}          # page → (role, its query names)
    for role in ROLES:
        sign_in(client, world[role].badge)
        for page in pages:
            response = client.get(page)
            assert response.status_code < 500, (role, page, response.status)
            if response.status_code != 200 or response.mimetype != "text/html":
                continue
            names = set(QUERY_NAMES)
            for method, action, fields in _forms(response.get_data(as_text=True), page):
                if method == "post" and action not in SKIP_POSTS:
                    posts.setdefault(action, (role, fields))
                elif method == "get":
                    names |= set(fields)
            gets.setdefault(page, (role, names))
        client.post("/sign-out")
    # The pages every role opens reach most of the app: check that the walk did not quietly find nothing.
    assert len(posts) >= 40 and len(gets) >= 40, (len(posts), len(gets))

    signed_in_as = None

    def as_role(role: str) -> None:
        nonlocal signed_in_as
        if signed_in_as != role:
            client.post("/sign-out")
            assert sign_in(client, world[role].badge).status_code == 302
            signed_in_as = role

    # Pages first: the admin's posts, last, may reset the others' passwords.
    for page, (role, names) in sorted(gets.items(), key=lambda item: ROLES.index(item[1][0])):
        @settings(FUZZ, max_examples=3)
        @given(query=st.dictionaries(st.sampled_from(sorted(names)), values, min_size=1, max_size=3))
        def get_page(query):
            as_role(role)
            response = client.get(f"{page}?{urlencode(query)}")
            assert response.status_code < 500, (page, query, response.status)

        get_page()

    # Posts no page showed a form for here (a state the small world does not reach): every field name of every
    # form class, as the role whose forms of the same area were found.
    adapter = app.url_map.bind("localhost")
    shown = {adapter.match(action, method="POST")[0] for action in posts}
    area_role = {adapter.match(action, method="POST")[0].split(".")[0]: role for action, (role, _) in posts.items()}
    every_field = _form_field_names()
    # Ids of rows the world may not have: 1 finds one or answers 404, as it should.
    post_fill = {**fill, "action": "compute", **dict.fromkeys(
        ["grant_id", "item_id", "appeal_id", "result_id", "round_id", "job_id", "call_id", "follow_up_id", "draw_id",
         "delegation_id", "task_id", "run_id", "client_id", "mapping_id", "plan_id", "indicator_id", "target_id",
         "share_id", "praise_id", "honour_id"], 1)}
    assert {"quantity", "hours", "points", "reason", "month", "day"} <= set(every_field)
    unshown = 0
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods and rule.endpoint not in shown and rule.rule not in SKIP_POSTS:
            assert all(a in post_fill for a in rule.arguments), f"fill in the parts of {rule.rule}"
            action = rule.build({a: post_fill[a] for a in rule.arguments}, append_unknown=False)[1]
            posts[action] = (area_role.get(rule.endpoint.split(".")[0], "admin_a"), dict.fromkeys(every_field, ""))
            unshown += 1
    print(f"{len(posts)} posts ({unshown} without a form in the world's pages), {len(gets)} pages")

    for action, (role, fields) in sorted(posts.items(), key=lambda item: ROLES.index(item[1][0])):
        names = sorted(fields) + ["unexpected_field"]

        @FUZZ
        @given(changed=st.dictionaries(st.sampled_from(names), values, min_size=1, max_size=3))
        def post_form(changed):
            as_role(role)
            _check_post(client, action, {**fields, **changed})

        post_form()


def test_signing_in_with_any_values_is_never_a_server_error(client, org):
    @FUZZ
    @given(data=st.dictionaries(st.sampled_from(["badge", "password", "next", "remember"]), values, min_size=1))
    def post(data):
        _check_post(client, "/sign-in", data)

    post()
