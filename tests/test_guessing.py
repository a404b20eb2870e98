"""Guessing (issue 11, finding 4): every password check shares the sign-in's limits, a guesser is slowed per badge
and address without locking the owner out, forwarded addresses are believed only from trusted proxies, and a
chosen password is judged by how easily it is guessed here."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from models import LoginAttempt, WeekReview, utcnow
from tests.auth_helpers import browser, field_errors, flashes, is_signed_in
from tests.conftest import TEST_CONFIG
from tests.daily.conftest import catalog  # noqa: F401  (the day fixtures, shared)
from tests.factories import PASSWORD, make_person, sign_in
from tests.weekly.conftest import MONDAY, log_week
from worklog import create_app
from worklog.auth.passwords import password_problems
from worklog.extensions import db

OFFICER = "200002"
SUPERVISOR = "200001"
WRONG = "Wrong-Guess-1"


def _refused(response) -> bool:
    messages = flashes(response)
    return response.status_code == 200 and len(messages) == 1 and messages[0].startswith("Sign-in failed:")


def _fail(client, badge: str = OFFICER, times: int = 1) -> None:
    for _ in range(times):
        assert _refused(sign_in(client, badge, WRONG))


def _signed_weeks() -> int:
    return db.session.scalar(select(func.count()).select_from(WeekReview).where(WeekReview.status == "signed"))


# --- Passwords typed to confirm an act share the sign-in's limits --------------------------------------------


@pytest.fixture
def ready_week(app, org, catalog):  # noqa: F811
    """Officer A's week, every entry approved by their supervisor, who is signed in at 10.0.0.5."""
    log_week(app, org["officer_a"], catalog)
    supervisor = browser(app, "10.0.0.5")
    assert sign_in(supervisor, SUPERVISOR).status_code == 302
    url = f"/review/{org['officer_a'].id}/{MONDAY.isoformat()}"
    assert supervisor.post(f"{url}/approve-all").status_code == 302
    return supervisor, url


def test_week_signing_guesses_are_limited_like_sign_ins(app, org, ready_week):
    supervisor, url = ready_week
    for _ in range(app.config.get("LOGIN_MAX_FAILURES_PER_PAIR", 5)):
        response = supervisor.post(f"{url}/sign", data={"password": WRONG})
        assert "The password is wrong" in " ".join(field_errors(response))
    # The right password, too late: refused, and the week stays open.
    response = supervisor.post(f"{url}/sign", data={"password": PASSWORD})
    assert "The password is wrong" in " ".join(field_errors(response))
    assert _signed_weeks() == 0
    # The guesses were recorded as failed attempts of that badge at that address ...
    assert db.session.scalar(select(func.count()).select_from(LoginAttempt).where(
        LoginAttempt.badge == SUPERVISOR, LoginAttempt.address == "10.0.0.5",
        LoginAttempt.success.is_(False))) == app.config.get("LOGIN_MAX_FAILURES_PER_PAIR", 5) + 1
    # ... and count for a sign-in there as well.
    assert _refused(sign_in(browser(app, "10.0.0.5"), SUPERVISOR))


def test_bulk_signing_guesses_are_limited_too(app, org, ready_week):
    supervisor, _url = ready_week
    week = MONDAY.isoformat()
    for _ in range(app.config.get("LOGIN_MAX_FAILURES_PER_PAIR", 5)):
        response = supervisor.post(f"/review/sign-all?week={week}", data={"password": WRONG})
        assert "The password is wrong" in " ".join(field_errors(response))
    response = supervisor.post(f"/review/sign-all?week={week}", data={"password": PASSWORD})
    assert "The password is wrong" in " ".join(field_errors(response))
    assert _signed_weeks() == 0


def test_the_right_password_still_signs_after_a_typo(app, org, ready_week):
    supervisor, url = ready_week
    supervisor.post(f"{url}/sign", data={"password": WRONG})
    assert supervisor.post(f"{url}/sign", data={"password": PASSWORD}).status_code == 302
    assert _signed_weeks() == 1


# --- A guesser is slowed per badge and address; the owner is not locked out ------------------------------------


def test_a_guesser_elsewhere_does_not_lock_the_owner_out(app, org):
    attacker = browser(app, "10.0.0.1")
    _fail(attacker, times=app.config.get("LOGIN_MAX_FAILURES_PER_PAIR", 5))
    # The guesser's pair is refused, even with the right password ...
    assert _refused(sign_in(attacker, OFFICER))
    # ... while the owner, at their own address, signs in.
    owner = browser(app, "10.0.0.2")
    assert sign_in(owner, OFFICER).status_code == 302
    assert is_signed_in(owner)


def _failures(badge: str, address: str, n: int, minutes_ago: float) -> None:
    at = utcnow() - timedelta(minutes=minutes_ago)
    db.session.add_all(LoginAttempt(badge=badge, address=address, success=False, at=at - timedelta(seconds=i))
                       for i in range(n))
    db.session.commit()


@pytest.mark.parametrize("failures, minutes_ago, allowed", [
    (5, 14, False), (5, 16, True),     # five failures: the window (15 minutes) since the last one
    (6, 16, False), (6, 31, True),     # a sixth: twice as long
    (7, 59, False), (7, 61, True),     # a seventh: four times as long (60 minutes)
    (40, 239, False), (40, 241, True),  # never more than LOGIN_MAX_DELAY_MINUTES (240)
], ids=["5-inside", "5-after", "6-inside", "6-after", "7-inside", "7-after", "40-inside", "40-after"])
def test_the_wait_grows_with_each_further_failure(app, org, failures, minutes_ago, allowed):
    _failures(OFFICER, "10.0.0.1", failures, minutes_ago)
    response = sign_in(browser(app, "10.0.0.1"), OFFICER)
    assert (response.status_code == 302) is allowed


def test_a_success_from_the_pair_wipes_its_slate(app, org):
    client = browser(app, "10.0.0.1")
    _fail(client, times=4)
    assert sign_in(client, OFFICER).status_code == 302
    client = browser(app, "10.0.0.1")  # another browser at the same address
    _fail(client, times=4)  # eight failures, four since the success
    assert sign_in(client, OFFICER).status_code == 302


def test_the_account_ceiling_spares_the_owners_own_address(app, org):
    """Guessers at many addresses hit the badge's ceiling; the owner signs in where they signed in before."""
    db.session.add(LoginAttempt(badge=OFFICER, address="10.0.0.2", success=True, at=utcnow() - timedelta(days=3)))
    ceiling = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    for i in range(ceiling // 4 + 1):
        _failures(OFFICER, f"192.0.2.{i}", 4, 1)  # each address below its own pair limit
    assert _refused(sign_in(browser(app, "10.0.0.3"), OFFICER))  # an address the owner never used
    assert sign_in(browser(app, "10.0.0.2"), OFFICER).status_code == 302


def test_the_account_ceiling_is_much_higher_than_the_pair_limit(app):
    assert app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"] >= 10 * app.config.get("LOGIN_MAX_FAILURES_PER_PAIR", 5)


# --- Forwarded addresses are believed only from the configured proxies ---------------------------------------


@pytest.fixture
def proxied_app(app):
    """The same database, served with PROXY_COUNT=1 (the proxy connects from 127.0.0.1, the default)."""
    other = create_app({**TEST_CONFIG, "DATABASE_URL": app.config["DATABASE_URL"], "PROXY_COUNT": 1,
                        "LOGIN_MAX_FAILURES_PER_ADDRESS": 3})
    yield other
    with other.app_context():
        db.engine.dispose()


def test_a_forged_forwarded_for_does_not_escape_the_address_limit(app, org, proxied_app):
    client = browser(proxied_app, "203.0.113.9")  # straight to the server, no proxy in between
    for i, badge in enumerate(("200001", "200003", "999999")):
        client.environ_base["HTTP_X_FORWARDED_FOR"] = f"198.51.100.{i}"
        _fail(client, badge)
    client.environ_base["HTTP_X_FORWARDED_FOR"] = "198.51.100.99"
    assert _refused(sign_in(client, OFFICER))
    assert set(db.session.scalars(select(LoginAttempt.address))) == {"203.0.113.9"}


def test_the_trusted_proxys_forwarded_for_is_believed(app, org, proxied_app):
    client = browser(proxied_app, "127.0.0.1")
    client.environ_base["HTTP_X_FORWARDED_FOR"] = "198.51.100.7"
    assert sign_in(client, OFFICER).status_code == 302
    assert set(db.session.scalars(select(LoginAttempt.address))) == {"198.51.100.7"}


def test_trusted_proxies_may_be_networks_and_text(app):
    from worklog.proxies import TrustedProxyFix
    fix = TrustedProxyFix(lambda e, s: None, 1, "10.1.0.0/16, 2001:db8::1")
    assert fix.is_trusted("10.1.200.3") and fix.is_trusted("2001:db8::1")
    assert not fix.is_trusted("10.2.0.1") and not fix.is_trusted("") and not fix.is_trusted("junk")
    with pytest.raises(ValueError):
        TrustedProxyFix(lambda e, s: None, 1, ["10.0.0.300"])


# --- Passwords judged by how easily they are guessed here ------------------------------------------------------


@pytest.fixture
def zhang(app, org):
    person = make_person("200102", "张伟", org.dept_a, org.post)
    org.county_a.name = "西湖分局"
    db.session.commit()
    return person


@pytest.mark.parametrize("new", ["abcabcab", "zhangwei", "jingwu-2026", "Jingwu-2027", "Xihufenju-2026",
                                 "Zhangwei@110"])
def test_easily_guessed_passwords_are_refused_in_chinese(app, zhang, new):
    client = browser(app)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    assert sign_in(client, "200102").status_code == 302
    stored = zhang.password_hash
    response = client.post("/account/password", data={"current": PASSWORD, "new": new, "confirm": new})
    assert response.status_code == 422
    errors = " ".join(field_errors(response))
    assert "密码太容易被猜到" in errors, errors
    assert zhang.password_hash == stored


@pytest.mark.parametrize("new, why", [
    ("zhangwei", "姓名"), ("Jingwu-2027", "本单位"), ("abcabcab", "重复"),
])
def test_the_refusal_says_why(app, zhang, new, why):
    from flask_babel import force_locale
    with force_locale("zh_CN"):
        problems = password_problems(new, badge=zhang.badge, name=zhang.name)
    assert any(why in p for p in problems), problems


@pytest.mark.parametrize("password", [PASSWORD, "Tall-Lantern-Ridge-7", "Lantern-Harbour-73", "Blue-Ocean-Lantern-9"])
def test_the_passwords_people_choose_in_the_tests_and_docs_still_pass(app, zhang, password):
    assert password_problems(password, badge=zhang.badge, name=zhang.name) == []
