"""The menu: an administrator's many areas are gathered under one entry, so that the menu stays on one or two
rows; everyone else's menu is as it was."""
from __future__ import annotations

import re

from tests.factories import sign_in

ADMIN_AREAS = ["Organisation", "People", "Sequences and posts", "Task catalog", "Task categories", "Calendar",
               "Rule sets", "Import", "Audit log", "Indicators"]


def _menu(page: str) -> tuple[list[str], list[str]]:
    """(the menu's top-level entries, the entries under Administration) as the page writes them."""
    nav = page.split('<nav class="menu"', 1)[1].split("</nav>", 1)[0]
    group = re.search(r'<details class="menu-group">(.*?)</details>', nav, re.S)
    inner = group.group(1).split("</summary>", 1)[1] if group else ""
    top = nav.replace(inner, "") if inner else nav
    labels = lambda html: re.findall(r"<(?:a [^>]*|summary[^>]*)>([^<]+)</(?:a|summary)>", html)  # noqa: E731
    return labels(top), labels(inner)


def test_an_administrators_areas_are_one_entry_of_the_menu(client, org):
    sign_in(client, org["root_admin"].badge)
    top, grouped = _menu(client.get("/").get_data(as_text=True))
    assert grouped == ADMIN_AREAS + ["Rectifications"]  # the unit side's, under Administration for an administrator
    assert "Administration" in top and not set(ADMIN_AREAS) & set(top)
    assert len(top) <= 12, top
    # The page one is on is marked, inside the group too, and so is the group.
    page = client.get("/admin/people").get_data(as_text=True)
    assert '<summary class="current">Administration</summary>' in page
    assert 'aria-current="page">People</a>' in page
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    assert "<summary>系统管理</summary>" in client.get("/").get_data(as_text=True)


def test_a_panel_member_follows_indicators_from_the_top_of_the_menu(client, org):
    sign_in(client, org["panel_a"].badge)
    top, grouped = _menu(client.get("/").get_data(as_text=True))
    assert "Indicators" in top and grouped == []


def test_an_officers_menu_has_no_administration(client, org):
    sign_in(client, org["officer_a"].badge)
    top, grouped = _menu(client.get("/").get_data(as_text=True))
    assert grouped == [] and "Administration" not in top and "My day" in top


def test_inspection_is_in_the_menu_of_inspectors_and_rectifications_in_the_panels(client, org):
    from models import Role
    from tests.factories import make_person
    from worklog.extensions import db
    make_person("500001", "Inspector A", org.dept_a, org.post, roles={Role.inspector.value: org.county_a})
    db.session.commit()
    sign_in(client, "500001")
    top, grouped = _menu(client.get("/").get_data(as_text=True))
    assert "Inspection" in top and "Rectifications" not in top and grouped == []
    client.post("/sign-out")
    sign_in(client, org["panel_a"].badge)
    top, grouped = _menu(client.get("/").get_data(as_text=True))
    assert "Rectifications" in top and "Inspection" not in top


def test_leadership_reads_its_view_from_the_menu(client, org):
    from models import Role
    from tests.factories import make_person
    from worklog.extensions import db
    make_person("600001", "Leader A", org.dept_a, org.post, roles={Role.leader.value: org.city_a})
    db.session.commit()
    sign_in(client, "600001")
    top, grouped = _menu(client.get("/").get_data(as_text=True))
    assert top[:2] == ["Home", "Leadership view"] and grouped == [] and "Ledgers" not in top
    client.post("/sign-out")
    sign_in(client, org["hr_a"].badge)
    assert "Leadership view" not in _menu(client.get("/").get_data(as_text=True))[0]
