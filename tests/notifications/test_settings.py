"""A person's mail settings, through the page: their address, the language of their mails, the kinds that also come
by mail, and the daily digest. Bad input is refused with a message and saves nothing."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from models import AuditEvent, NotificationSetting, Person
from tests.factories import sign_in, state_counts
from worklog.extensions import db

pytestmark = pytest.mark.postgres

PAGE = "/notifications/settings"


def _ticked(page: str) -> set[str]:
    return set(re.findall(r'<input checked id="mail_kinds-\d+" name="mail_kinds" type="checkbox" value="(\w+)">', page))


def _person(person) -> Person:
    db.session.expire_all()
    return db.session.get(Person, person.id)


def test_the_page_offers_a_persons_own_kinds_with_the_suggested_ones_ticked(client, org):
    sign_in(client, org["officer_a"].badge)
    page = client.get(PAGE).get_data(as_text=True)
    assert "An entry of mine returned" in page and "A day of mine not yet submitted" in page
    assert "A follow-up near its deadline" not in page  # the unit side's
    assert "entry_returned" in _ticked(page) and "day_not_submitted" not in _ticked(page)
    assert "has not set up a mail server" in page
    # Reached from the notifications page.
    assert f'href="{PAGE}"' in client.get("/notifications").get_data(as_text=True)
    client.post("/sign-out")
    sign_in(client, org["panel_a"].badge)
    assert "A follow-up near its deadline without a reply" in client.get(PAGE).get_data(as_text=True)


def test_saving_the_choices(client, org):
    officer = org["officer_a"]
    sign_in(client, officer.badge)
    response = client.post(PAGE, data={"email": " officer.a@example.invalid ", "language": "zh_CN",
                                       "mail_kinds": ["entry_returned", "week_signed"]})
    assert response.status_code == 302
    person = _person(officer)
    assert (person.email, person.language) == ("officer.a@example.invalid", "zh_CN")
    setting = db.session.get(NotificationSetting, officer.id)
    assert setting.mail_kinds == ["entry_returned", "week_signed"] and not setting.digest
    assert setting.digest_sent_at is None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "notifications.settings_changed"))
    assert event.actor_id == officer.id and event.object_id == officer.id
    assert event.after["mail_kinds"] == ["entry_returned", "week_signed"]
    # That an address was given, not the address: personal data stays out of the audit trail.
    assert event.after["email"] is True and "example.invalid" not in str(event.after) + str(event.before)
    # The digest switched on: the first lists what comes after this moment.
    assert client.post(PAGE, data={"email": "officer.a@example.invalid", "language": "zh_CN",
                                   "mail_kinds": ["entry_returned"], "digest": "y"}).status_code == 302
    db.session.expire_all()
    setting = db.session.get(NotificationSetting, officer.id)
    assert setting.digest and setting.digest_sent_at is not None and setting.mail_kinds == ["entry_returned"]
    page = client.get(PAGE).get_data(as_text=True)
    assert 'value="officer.a@example.invalid"' in page and _ticked(page) == {"entry_returned"}
    # An empty address: nothing by mail, and nothing else refused.
    assert client.post(PAGE, data={"email": "", "language": ""}).status_code == 302
    person = _person(officer)
    assert person.email is None and person.language is None
    # The audit log words the change.
    client.post("/sign-out")
    sign_in(client, org["root_admin"].badge)
    log = client.get("/admin/audit").get_data(as_text=True)
    assert "Notification settings changed" in log and "Kinds also by mail" in log and "An entry of mine returned" in log


@pytest.mark.parametrize("email", ["not an address", "a@b", "@example.invalid", "a..b@example.invalid",
                                   "a@example..invalid", "x" * 250 + "@example.invalid", "a b@example.invalid",
                                   "a@-example.invalid", "a@example.invalid\nBcc: b@example.invalid"])
def test_a_bad_address_is_refused_and_nothing_is_saved(client, org, email):
    sign_in(client, org["officer_a"].badge)
    before = state_counts()
    response = client.post(PAGE, data={"email": email, "language": "en", "mail_kinds": ["entry_returned"]})
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "Enter a mail address such as name@example.com." in text or "Field cannot be longer" in text
    assert state_counts() == before
    assert _person(org["officer_a"]).email is None


def test_a_kind_not_offered_or_a_language_not_offered_is_refused(client, org):
    sign_in(client, org["officer_a"].badge)
    before = state_counts()
    response = client.post(PAGE, data={"email": "a@example.invalid", "mail_kinds": ["follow_up_due"]})
    assert response.status_code == 422 and "Choose among the kinds offered." in response.get_data(as_text=True)
    response = client.post(PAGE, data={"email": "a@example.invalid", "language": "fr"})
    assert response.status_code == 422 and "Choose one of the languages offered." in response.get_data(as_text=True)
    assert state_counts() == before


def test_the_page_in_chinese_and_signed_out(client, org):
    assert client.get(PAGE).status_code == 302  # to the sign-in page
    sign_in(client, org["officer_a"].badge)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    page = client.get(PAGE).get_data(as_text=True)
    assert "邮件设置" in page and "我的工作记录被退回" in page
    response = client.post(PAGE, data={"email": "不是地址"})
    assert response.status_code == 422 and "请输入邮件地址" in response.get_data(as_text=True)


def test_choosing_the_sites_language_chooses_the_mails_too(client, org):
    officer = org["officer_a"]
    assert _person(officer).language is None
    client.post("/language", data={"lang": "en"})  # signed out: nobody's choice to keep
    assert _person(officer).language is None
    sign_in(client, officer.badge)
    assert client.post("/language", data={"lang": "zh_CN"}).status_code == 302
    assert _person(officer).language == "zh_CN"
    assert client.post("/language", data={"lang": "xx"}).status_code == 302  # not offered: nothing changes
    assert _person(officer).language == "zh_CN"
    # Once the mail settings choose a language, the site's language no longer changes the mails'.
    assert client.post(PAGE, data={"email": "officer.a@example.invalid", "language": "en",
                                   "mail_kinds": ["entry_returned"]}).status_code == 302
    assert client.post("/language", data={"lang": "zh_CN"}).status_code == 302
    assert _person(officer).language == "en"
