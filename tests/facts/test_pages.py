"""Every page of /admin/facts renders for the province's administrator, and nobody else reaches any of them."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from models import FactMapping
from tests.facts.conftest import fact, send
from tests.factories import sign_in, state_counts
from worklog.extensions import db

pytestmark = pytest.mark.postgres  # the sources' recursive skip scan


def _mapping_id() -> int:
    return db.session.scalar(select(FactMapping.id).order_by(FactMapping.id))


PAGES = ["/admin/facts/", "/admin/facts/mappings", "/admin/facts/mappings/new", "/admin/facts/mappings/{mapping}",
         "/admin/facts/mappings/import", "/admin/facts/waiting",
         "/admin/facts/waiting?source=jj110&reason=unknown_badge",
         "/admin/facts/reconciliation", "/admin/facts/reconciliation?source=jj110&start=2026-11-20&end=2026-11-25",
         "/admin/facts/reconciliation.xlsx?source=jj110", "/admin/facts/upload", "/admin/facts/upload?source=jj110"]
POSTS = ["/admin/facts/mappings/new", "/admin/facts/mappings/{mapping}", "/admin/facts/mappings/import",
         "/admin/facts/waiting/match", "/admin/facts/upload"]


def test_every_page_renders_for_the_province_administrator(admin, mapped):
    send([fact("c1"), fact("x1", badge="999999"), fact("t1", type_="stop")])
    for page in PAGES:
        response = admin.get(page.format(mapping=_mapping_id()))
        assert response.status_code == 200, (page, response.status_code)


def test_every_page_reads_in_chinese(admin, mapped):
    from tests.test_i18n import assert_chinese
    send([fact("c1"), fact("x1", badge="999999"), fact("t1", type_="stop"), fact("s1", type_="scene")])
    for page in PAGES:
        response = admin.get(page.format(mapping=_mapping_id()), headers={"Accept-Language": "zh-CN"})
        assert response.status_code == 200, (page, response.status_code)
        if response.mimetype == "text/html":
            assert_chinese(response.get_data(as_text=True))
    waiting = admin.get("/admin/facts/waiting", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert_chinese(waiting, "待处理数据", "没有民警使用此警号。", "重新匹配")
    rec = admin.get("/admin/facts/reconciliation?source=jj110", headers={"Accept-Language": "zh-CN"})
    assert_chinese(rec.get_data(as_text=True), "对账", "已接收", "已录入", "已拒绝", "待处理", "警号未知")


@pytest.mark.parametrize("who", ["supervisor_a", "admin_a", "officer_a", "panel_a", "hr_a"])
def test_nobody_but_the_province_administrator_reaches_a_page(client, org, mapped, who):
    send([fact("x1", badge="999999")])
    assert sign_in(client, org[who].badge).status_code == 302
    before = state_counts()
    for page in PAGES:
        assert client.get(page.format(mapping=_mapping_id())).status_code in (403, 404), page
    for page in POSTS:
        response = client.post(page.format(mapping=_mapping_id()),
                               data={"source": "jj110", "fact_type": "call", "task_type": "1", "multiplier": "1",
                                     "quantity_rule": "as_sent"})
        assert response.status_code in (403, 404), page
    after = state_counts()
    assert after == before


def test_signed_out_browsers_are_sent_to_sign_in(client, org):
    for page in PAGES:
        response = client.get(page.format(mapping=1))
        assert response.status_code == 302 and "/sign-in" in response.location, page


def test_the_organisation_page_links_here_for_the_province_administrator_only(client, org):
    sign_in(client, org["root_admin"].badge)
    assert b'href="/admin/facts/"' in client.get("/admin/").data
    client.post("/sign-out")
    sign_in(client, org["admin_a"].badge)
    assert b'href="/admin/facts/"' not in client.get("/admin/").data
