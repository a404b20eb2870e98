"""Sign-in, server-side sessions, attempt limits and the password policy, through the pages."""
from __future__ import annotations

import hashlib
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from argon2 import PasswordHasher, Type
from sqlalchemy import event, func, insert, select

from models import AuditEvent, LoginAttempt, LoginSession, utcnow
from worklog.admin.services import set_active
from worklog.auth import services
from worklog.auth.passwords import verify_password
from worklog.extensions import db
from tests.auth_helpers import (browser, field_errors, flashes, is_signed_in, open_sessions, page,
                                replay_cookie, session_cookie)
from tests.factories import PASSWORD, sign_in

NEW_PASSWORD = "Tall-Lantern-Ridge-7"
OFFICER = "200002"
#: The start of the one message every refused sign-in shows (English pages).
SIGN_IN_FAILED = "Sign-in failed:"


@pytest.fixture
def client(app):
    return browser(app)


def _token_row(token: str) -> LoginSession | None:
    return db.session.scalar(select(LoginSession).where(
        LoginSession.token_hash == hashlib.sha256(token.encode()).hexdigest()))


def _browser_token(client) -> str | None:
    with client.session_transaction() as session:
        return session.get("_user_id")


def _refused(response) -> bool:
    """Was this the uniform refusal: the sign-in form again, with the one message and nothing else?"""
    messages = flashes(response)
    return (response.status_code == 200 and len(messages) == 1 and messages[0].startswith(SIGN_IN_FAILED)
            and not field_errors(response))


def _fail(client, badge: str = OFFICER, times: int = 1) -> None:
    for _ in range(times):
        response = sign_in(client, badge, "Wrong-Guess-1")
        assert response.status_code == 200


def _change(client, current: str = PASSWORD, new: str = NEW_PASSWORD, confirm: str | None = None):
    return client.post("/account/password", data={
        "current": current, "new": new, "confirm": new if confirm is None else confirm})


# --- Signing in ------------------------------------------------------------------------------------------


def test_sign_in_with_badge_and_password_opens_a_server_side_session(client, org):
    officer = org["officer_a"]
    response = sign_in(client, OFFICER)
    assert response.status_code == 302 and response.location == "/"
    assert "Officer A" in client.get("/account/password").get_data(as_text=True)
    row = _token_row(_browser_token(client))
    assert row is not None and row.person_id == officer.id and row.ended_at is None
    assert open_sessions(officer) == 1


def test_the_badge_number_is_the_sign_in_name_not_the_person_name(client, org):
    assert sign_in(client, "Officer A").status_code == 200
    assert not is_signed_in(client)


def test_passwords_are_stored_as_argon2id(client, org):
    officer = org["officer_a"]
    assert officer.password_hash.startswith("$argon2id$")
    sign_in(client, OFFICER)
    assert _change(client).status_code == 302
    assert officer.password_hash.startswith("$argon2id$")
    assert NEW_PASSWORD not in officer.password_hash
    assert verify_password(officer.password_hash, NEW_PASSWORD)


@pytest.mark.parametrize("old_hasher", [
    PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1, type=Type.ID),
    PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1, type=Type.I),
], ids=["older-parameters", "argon2i"])
def test_an_outdated_hash_is_upgraded_at_sign_in(app, client, org, old_hasher):
    officer = org["officer_a"]
    officer.password_hash = old_hash = old_hasher.hash(PASSWORD)
    assert sign_in(client, OFFICER).status_code == 302
    cfg = app.config
    assert officer.password_hash != old_hash
    assert officer.password_hash.startswith(f"$argon2id$v=19$m={cfg['ARGON2_MEMORY_COST']},"
                                            f"t={cfg['ARGON2_TIME_COST']},p={cfg['ARGON2_PARALLELISM']}$")
    assert verify_password(officer.password_hash, PASSWORD)


def test_sign_in_starts_a_new_session_whatever_the_browser_carried(client, org):
    officer = org["officer_a"]
    with client.session_transaction() as session:
        session["planted"] = "by-someone-else"
        session["_user_id"] = "attacker-chosen-token"
        session["lang"] = "en"
    cookie_before = session_cookie(client).value
    rows_before = set(db.session.scalars(select(LoginSession.id)))

    assert sign_in(client, OFFICER).status_code == 302

    assert session_cookie(client).value != cookie_before
    with client.session_transaction() as session:
        assert "planted" not in session
        token = session["_user_id"]
        assert session["lang"] == "en"  # the language choice is the one thing kept
    assert token != "attacker-chosen-token"
    row = _token_row(token)
    assert row.id not in rows_before and row.person_id == officer.id and row.ended_at is None
    assert open_sessions(officer) == 1


def test_a_cookie_copied_before_sign_in_does_not_sign_in(app, client, org):
    client.post("/language", data={"lang": "en", "next": "/sign-in"})  # gives the browser a session cookie
    copied = session_cookie(client)
    assert copied is not None
    assert sign_in(client, OFFICER).status_code == 302
    assert is_signed_in(client)
    assert not is_signed_in(replay_cookie(app, copied))


# --- Ending sessions ------------------------------------------------------------------------------------


def test_sign_out_ends_the_session_on_the_server(app, client, org):
    officer = org["officer_a"]
    sign_in(client, OFFICER)
    saved = session_cookie(client)
    token = _browser_token(client)
    assert is_signed_in(replay_cookie(app, saved))  # the copy works while the session is open

    response = client.post("/sign-out")
    assert response.status_code == 302 and response.location == "/sign-in"

    assert not is_signed_in(client)
    assert not is_signed_in(replay_cookie(app, saved))
    row = _token_row(token)
    assert row.ended_at is not None and row.end_reason == "sign_out"
    assert open_sessions(officer) == 0


def test_an_idle_session_ends(app, client, org):
    sign_in(client, OFFICER)
    row = _token_row(_browser_token(client))
    row.last_seen_at = utcnow() - timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] + 1)
    assert not is_signed_in(client)
    assert row.ended_at is not None and row.end_reason == "expired"


def test_a_session_ends_after_its_lifetime_even_if_used(app, client, org):
    sign_in(client, OFFICER)
    row = _token_row(_browser_token(client))
    row.created_at = utcnow() - app.config["PERMANENT_SESSION_LIFETIME"] - timedelta(minutes=1)
    assert not is_signed_in(client)
    assert row.end_reason == "expired"


def test_the_session_lifetime_may_be_given_in_seconds(app, client, org):
    app.config["PERMANENT_SESSION_LIFETIME"] = 3600  # as WORKLOG_PERMANENT_SESSION_LIFETIME=3600 gives it
    sign_in(client, OFFICER)
    assert is_signed_in(client)
    row = _token_row(_browser_token(client))
    row.created_at = utcnow() - timedelta(seconds=3660)
    assert not is_signed_in(client)


@pytest.mark.parametrize("minutes_idle, signed_in", [(5, True), (10_000, False)], ids=["touch", "expire"])
def test_a_write_elsewhere_during_a_page_does_not_break_the_session_bookkeeping(app, client, org, minutes_idle,
                                                                                signed_in):
    """Noting when a session was last seen (or that it expired) must not fail a reading page because someone
    else saved something meanwhile: on SQLite a reading transaction cannot become a writer after that."""
    sign_in(client, OFFICER)
    row = _token_row(_browser_token(client))
    row.last_seen_at = utcnow() - timedelta(minutes=minutes_idle)
    written = []

    def someone_else_saves(conn, cursor, statement, *args):
        if "FROM login_session" in statement and not written:
            written.append(True)
            with db.engine.begin() as other:
                other.execute(insert(LoginAttempt).values(badge="x", address="y", success=True, at=utcnow()))

    event.listen(db.engine, "after_cursor_execute", someone_else_saves)
    try:
        response = client.get("/account/password")
    finally:
        event.remove(db.engine, "after_cursor_execute", someone_else_saves)
    assert written
    assert response.status_code == (200 if signed_in else 302)
    if signed_in:
        assert row.last_seen_at > utcnow() - timedelta(minutes=1)
    else:
        assert row.end_reason == "expired"


def test_deactivating_an_account_signs_it_out_everywhere(app, org):
    officer = org["officer_a"]
    office, phone = browser(app), browser(app)
    sign_in(office, OFFICER)
    sign_in(phone, OFFICER)
    assert is_signed_in(office) and is_signed_in(phone)

    set_active(officer, False, org["admin_a"])

    assert not is_signed_in(office)
    assert not is_signed_in(phone)
    assert open_sessions(officer) == 0
    # Reactivating the account does not bring the old sessions back.
    set_active(officer, True, org["admin_a"])
    assert not is_signed_in(office)


def test_deactivating_from_the_admin_page_signs_the_person_out(app, org):
    officer = org["officer_a"]
    victim, admin = browser(app), browser(app)
    sign_in(victim, OFFICER)
    sign_in(admin, "100002")
    response = admin.post(f"/admin/people/{officer.id}/active", data={"reason": "left the force"})
    assert response.status_code == 302
    assert not officer.active
    assert not is_signed_in(victim)


def test_changing_the_password_signs_out_other_browsers_but_not_this_one(app, org):
    officer = org["officer_a"]
    here, there = browser(app), browser(app)
    sign_in(here, OFFICER)
    sign_in(there, OFFICER)
    before_change = session_cookie(here)

    response = _change(here)
    assert response.status_code == 302 and response.location == "/"

    assert is_signed_in(here)
    assert not is_signed_in(there)
    # This browser goes on in a new session: a copy of its cookie from before the change is dead.
    assert not is_signed_in(replay_cookie(app, before_change))
    assert open_sessions(officer) == 1
    assert sign_in(browser(app), OFFICER, PASSWORD).status_code == 200
    assert sign_in(browser(app), OFFICER, NEW_PASSWORD).status_code == 302


# --- Attempt limits -------------------------------------------------------------------------------------


def _wrong_password(app, org):
    return browser(app), OFFICER, "Wrong-Guess-1"


def _unknown_badge(app, org):
    return browser(app), "999999", PASSWORD


def _inactive_account(app, org):
    set_active(org["officer_a"], False, None)
    return browser(app), OFFICER, PASSWORD


def _throttled_account(app, org):
    client = browser(app)
    _fail(client, times=app.config["LOGIN_MAX_FAILURES_PER_PAIR"])
    return client, OFFICER, PASSWORD


def _throttled_address(app, org):
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 2
    client = browser(app, "10.9.9.9")
    _fail(client, "200001")
    _fail(client, "200003")
    return client, OFFICER, PASSWORD


#: Ways a sign-in is refused: each sets the scene and gives (browser, badge, password) for the last try.
REFUSALS = [_wrong_password, _unknown_badge, _inactive_account, _throttled_account, _throttled_address]


@pytest.mark.parametrize("refusal", REFUSALS, ids=lambda f: f.__name__.strip("_"))
def test_every_refused_sign_in_looks_the_same(app, org, refusal):
    reference = sign_in(browser(app, "10.1.1.1"), "300002", "Wrong-Guess-1")  # a plain wrong password
    client, badge, password = refusal(app, org)
    response = sign_in(client, badge, password)
    assert _refused(response)
    assert flashes(response) == flashes(reference)
    assert not is_signed_in(client)
    assert open_sessions(org["officer_a"]) == 0


@pytest.mark.parametrize("refusal", REFUSALS, ids=lambda f: f.__name__.strip("_"))
def test_every_refused_sign_in_costs_one_password_check(app, org, refusal, monkeypatch):
    """The time taken must not tell which badge numbers exist or which accounts are locked."""
    client, badge, password = refusal(app, org)
    checks = []
    real_verify = PasswordHasher.verify

    def counting_verify(self, hash, password):
        checks.append(password)
        return real_verify(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", counting_verify)
    sign_in(client, badge, password)
    assert checks == [password]


def test_a_refused_sign_in_records_the_attempt(client, org):
    _fail(client)
    attempt = db.session.scalar(select(LoginAttempt))
    assert (attempt.badge, attempt.address, attempt.success) == (OFFICER, "127.0.0.1", False)


def test_after_five_failures_even_the_right_password_is_refused(app, org):
    assert app.config["LOGIN_MAX_FAILURES_PER_PAIR"] == 5
    attacker = browser(app, "10.0.0.1")
    _fail(attacker, times=4)
    _fail(attacker)  # the fifth
    assert _refused(sign_in(attacker, OFFICER))
    assert _refused(sign_in(browser(app, "10.0.0.1"), OFFICER))  # a new browser at the same address too
    assert open_sessions(org["officer_a"]) == 0
    # The limit is on that account from that address: other accounts there are not refused ...
    assert sign_in(browser(app, "10.0.0.1"), "200001").status_code == 302
    # ... nor is the owner at their own address (tests/test_guessing.py: the guesser does not lock them out).
    assert sign_in(browser(app, "10.0.0.2"), OFFICER).status_code == 302


def test_parallel_guesses_do_not_get_past_the_account_limit(app, org, monkeypatch):
    """Guesses sent at once are counted one after another, not each against the count before them all."""
    limit = app.config["LOGIN_MAX_FAILURES_PER_PAIR"]
    real_checks = []
    real_verify = services.verify_password

    def slow_verify(stored_hash, password):
        if stored_hash is not None:  # a real check, not the dummy one of a refused attempt
            real_checks.append(password)
            time.sleep(0.2)  # long enough for every guess to arrive while the first ones are checked
        return real_verify(stored_hash, password)

    monkeypatch.setattr(services, "verify_password", slow_verify)
    browsers = [browser(app, "10.0.1.1") for i in range(2 * limit)]
    db.session.commit()
    with ThreadPoolExecutor(len(browsers)) as pool:
        responses = list(pool.map(lambda b: sign_in(b, OFFICER, "Wrong-Guess-1"), browsers))
    assert all(_refused(response) for response in responses)
    assert len(real_checks) <= limit


def test_four_failures_still_let_the_right_password_in(client, org):
    _fail(client, times=4)
    assert sign_in(client, OFFICER).status_code == 302


def test_the_account_limit_counts_failures_of_that_badge_only(client, org):
    for badge in ("200001", "200003", "200004", "100001", "100002"):
        _fail(client, badge)
    assert sign_in(client, OFFICER).status_code == 302


@pytest.mark.parametrize("minutes_inside_window, allowed", [(-1, True), (1, False)],
                         ids=["older-than-window", "inside-window"])
def test_failures_count_only_inside_the_window(app, client, org, minutes_inside_window, allowed):
    at = utcnow() - timedelta(minutes=app.config["LOGIN_WINDOW_MINUTES"] - minutes_inside_window)
    db.session.add_all(LoginAttempt(badge=OFFICER, address="127.0.0.1", success=False, at=at)
                       for _ in range(app.config["LOGIN_MAX_FAILURES_PER_PAIR"]))
    assert (sign_in(client, OFFICER).status_code == 302) is allowed


def test_after_the_address_limit_even_the_right_password_is_refused(app, org):
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 3
    sprayer = browser(app, "10.0.0.9")
    for badge in ("200001", "200003", "999999"):  # one guess per account: no account is locked
        _fail(sprayer, badge)
    response = sign_in(sprayer, OFFICER)
    assert _refused(response)
    assert sign_in(browser(app, "10.0.0.9"), "200004").status_code == 200
    # Other addresses are not affected.
    assert sign_in(browser(app, "10.0.0.10"), OFFICER).status_code == 302


def test_a_forged_forwarded_for_header_does_not_change_the_address(app, org):
    """Without a trusted proxy (PROXY_COUNT 0) the address is the connection's, whatever headers say."""
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 2
    client = browser(app, "10.0.0.9")
    for i, badge in enumerate(("200001", "200003")):
        client.environ_base["HTTP_X_FORWARDED_FOR"] = f"192.0.2.{i}"
        _fail(client, badge)
    client.environ_base["HTTP_X_FORWARDED_FOR"] = "192.0.2.99"
    assert sign_in(client, OFFICER).status_code == 200
    assert set(db.session.scalars(select(LoginAttempt.address))) == {"10.0.0.9"}


def test_signing_in_to_ones_own_account_does_not_reset_the_address_limit(app, org):
    """Otherwise anyone with an account could guess colleagues' passwords without end."""
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 3
    insider = browser(app, "10.0.0.9")
    _fail(insider, "200001")
    _fail(insider, "200003")
    assert sign_in(browser(app, "10.0.0.9"), "300002").status_code == 302  # the insider's own account
    _fail(insider, "200004")
    assert sign_in(insider, OFFICER).status_code == 200


def test_failures_before_a_successful_sign_in_do_not_count_after_it(client, org):
    _fail(client, times=4)
    assert sign_in(client, OFFICER).status_code == 302
    assert client.post("/sign-out").status_code == 302
    _fail(client, times=4)  # eight failures in the window, four since the success
    assert sign_in(client, OFFICER).status_code == 302


# --- Password policy ------------------------------------------------------------------------------------


#: Not a repeated phrase: zxcvbn rightly counts a repeat as little more than its part. An eight-character
#: password passes only when it looks random.
LONG = "Tall-Lantern-Ridge-7-Quiet-Harbour-19-Amber-Fox-Willow-3-Copper-Kite-58-Misty-Orchard-4-Velvet-Anchor-66-" \
       "Silent-Meadow-2-Ivory-Gate-71-Rowan"
EIGHT = "k9Rt-2wQ"


@pytest.mark.parametrize("current, new, confirm, message", [
    (PASSWORD, "Ab3-xyz", None, "The password must have at least 8 characters."),
    (PASSWORD, LONG[:129], None, "The password may have at most 128 characters."),
    (PASSWORD, "password123", None, "This password is too common; choose one that is harder to guess."),
    (PASSWORD, "12345678", None, "This password is too common; choose one that is harder to guess."),
    (PASSWORD, "qwertyuiop", None, "This password is too common; choose one that is harder to guess."),
    (PASSWORD, "QwertyUiop", None, "This password is too common; choose one that is harder to guess."),
    (PASSWORD, "zzzzzzzzzzzz", None, "This password is too common; choose one that is harder to guess."),
    (PASSWORD, "Lantern-200002-x", None, "The password must not contain your badge number."),
    ("Not-My-Password-9", NEW_PASSWORD, None, "The current password is wrong."),
    (PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "!", "The two new passwords differ."),
    (PASSWORD, PASSWORD, None, "The new password must differ from the current one."),
], ids=["too-short", "129-chars", "common-password123", "common-12345678", "common-qwertyuiop",
        "common-any-case", "two-characters", "contains-badge", "wrong-current", "mismatched-confirm",
        "unchanged"])
def test_a_refused_password_change_keeps_the_old_password(app, client, org, current, new, confirm, message):
    officer = org["officer_a"]
    sign_in(client, OFFICER)
    stored = officer.password_hash
    events = db.session.scalar(select(func.count()).select_from(AuditEvent))

    response = _change(client, current, new, confirm)

    assert response.status_code in (200, 422)
    assert message in field_errors(response)
    assert "Nothing was saved" in response.get_data(as_text=True)
    assert officer.password_hash == stored
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == events
    assert is_signed_in(client)  # nothing was ended either
    assert open_sessions(officer) == 1


@pytest.mark.parametrize("length", [8, 64, 128])
def test_passwords_of_8_to_128_characters_are_accepted(app, client, org, length):
    officer = org["officer_a"]
    new = EIGHT if length == 8 else LONG[:length]
    sign_in(client, OFFICER)
    response = _change(client, new=new)
    assert response.status_code == 302, field_errors(response)
    assert verify_password(officer.password_hash, new)
    assert sign_in(browser(app), OFFICER, new).status_code == 302


def test_a_password_change_is_audited_and_not_forced_again(client, org):
    officer = org["officer_a"]
    sign_in(client, OFFICER)
    _change(client)
    assert db.session.scalar(select(AuditEvent.action).where(
        AuditEvent.object_id == officer.id, AuditEvent.action == "auth.password_changed")) is not None
    assert officer.password_changed_at is not None and not officer.must_change_password


def test_guessing_the_current_password_counts_towards_the_attempt_limit(app, client, org):
    """A browser left signed in must not become a way around the sign-in limit."""
    sign_in(client, OFFICER)
    limit = app.config["LOGIN_MAX_FAILURES_PER_PAIR"]
    for _ in range(limit):
        assert "The current password is wrong." in field_errors(_change(client, current="Wrong-Guess-1"))
    response = _change(client, current=PASSWORD)  # the right one, too late
    assert "The current password is wrong." in field_errors(response)
    assert verify_password(org["officer_a"].password_hash, PASSWORD)
    assert _refused(sign_in(browser(app), OFFICER))  # a sign-in from the same address, too


@pytest.mark.parametrize("path", ["/", "/admin/", "/admin/people", "/no-such-page"])
def test_a_temporary_password_must_be_changed_before_anything_else(client, org, path):
    admin = org["admin_a"]
    admin.must_change_password = True
    response = sign_in(client, "100002")
    assert response.location == "/account/password"
    response = client.get(path)
    assert response.status_code == 302 and response.location == "/account/password"
    assert client.get("/account/password").status_code == 200


def test_a_temporary_password_blocks_actions_too(client, org):
    admin, officer = org["admin_a"], org["officer_a"]
    admin.must_change_password = True
    sign_in(client, "100002")
    response = client.post(f"/admin/people/{officer.id}/active", data={"reason": "x"})
    assert response.status_code == 302 and response.location == "/account/password"
    assert officer.active


def test_after_changing_a_temporary_password_the_pages_open(client, org):
    admin = org["admin_a"]
    admin.must_change_password = True
    sign_in(client, "100002")
    assert "Choose your own password" in client.get("/account/password").get_data(as_text=True)
    assert _change(client).status_code == 302
    assert not admin.must_change_password
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/people").status_code == 200


def test_signing_out_works_with_a_temporary_password(client, org):
    org["admin_a"].must_change_password = True
    sign_in(client, "100002")
    assert client.post("/sign-out").location == "/sign-in"
    assert not is_signed_in(client)


# --- Where sign-in leads --------------------------------------------------------------------------------


@pytest.mark.parametrize("target, expected", [
    ("/admin/", "/admin/"),
    ("/admin/people?page=2", "/admin/people?page=2"),
    ("https://evil.example/", "/"),
    ("http://evil.example/admin/", "/"),
    ("//evil.example", "/"),
    ("//evil.example/admin/", "/"),
    ("///evil.example", "/"),
    ("/\\evil.example", "/"),
    ("\\\\evil.example", "/"),
    ("/\t/evil.example", "/"),
    ("https:evil.example", "/"),
    ("javascript:alert(1)", "/"),
    ("evil.example", "/"),
    ("", "/"),
])
def test_the_next_page_after_sign_in_stays_on_this_site(client, org, target, expected):
    response = client.post("/sign-in", data={"badge": "100002", "password": PASSWORD, "next": target})
    assert response.status_code == 302
    assert response.location == expected


def test_the_next_field_cannot_inject_markup(client, org):
    response = client.get('/sign-in?next="><script>alert(1)</script>')
    soup = page(response)
    assert not soup.find_all("script")
    assert soup.find("form", action="/sign-in").find("input", attrs={"name": "next"})["value"] \
        == '"><script>alert(1)</script>'


def test_the_page_asked_for_before_sign_in_is_shown_after_it(client, org):
    response = client.get("/admin/people")
    assert response.status_code == 302
    sign_in_page = client.get(response.location)
    next_field = page(sign_in_page).find("form", action="/sign-in").find("input", attrs={"name": "next"})
    assert next_field["value"] == "/admin/people"
    response = client.post("/sign-in", data={"badge": "100002", "password": PASSWORD,
                                             "next": next_field["value"]})
    assert response.location == "/admin/people"


def test_a_temporary_password_goes_to_the_change_page_whatever_next_says(client, org):
    org["admin_a"].must_change_password = True
    response = client.post("/sign-in", data={"badge": "100002", "password": PASSWORD, "next": "/admin/"})
    assert response.location == "/account/password"
