"""Signing in and out of the back office: lock-out without revealing who has an account."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from bs4 import BeautifulSoup

from portal.extensions import db
from portal.models import AuditLogEntry, User
from portal.services import staff as staff_service
from tests.staff_support import PASSWORD, make_user, own_app, sign_in

START = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


def message(response) -> str:
    """Return the sign-in page's error text (what the visitor is told)."""
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    alert = page.select_one("main [role=alert]")
    return alert.get_text(" ", strip=True) if alert else ""


def signed_in(client) -> bool:
    return client.get("/staff/").status_code == 200


def test_staff_sign_in_and_out(app, client):
    user = make_user("registrar")
    response = sign_in(client, user.email.upper())  # e-mail in any case
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/"
    assert user.email in client.get("/staff/").get_data(as_text=True)
    response = client.post("/staff/logout")
    assert response.headers["Location"] == "/staff/login"
    assert not signed_in(client)


def test_sign_in_returns_to_the_page_asked_for_but_never_off_site(app, client):
    user = make_user("registrar")
    response = client.get("/staff/certificates")
    assert response.headers["Location"].startswith("/staff/login?next=")
    response = client.post("/staff/login?next=/staff/certificates?q=x",
                           data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/staff/certificates?q=x"
    client.post("/staff/logout")
    for target in ("https://evil.example/staff/", "//evil.example/staff/", "/search"):
        response = client.post(f"/staff/login?next={target}",
                               data={"email": user.email, "password": PASSWORD})
        assert response.headers["Location"] == "/staff/", target
        client.post("/staff/logout")


@pytest.mark.parametrize("target", ["/staff/%0d%0aSet-Cookie:%20x=1", "/staff/%0a",
                                    "/staff/%09x", "/staff/%7f"])
def test_a_next_address_with_control_characters_goes_to_the_start_page(app, client, target):
    user = make_user("registrar")
    response = sign_in(client, user.email)
    assert response.status_code == 302
    response = client.get(f"/staff/login?next={target}")  # already signed in: redirected
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/"
    response = client.post(f"/staff/login?next={target}",
                           data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/staff/"


def test_wrong_password_and_unknown_email_get_the_same_answer(app, client):
    user = make_user("registrar")
    wrong = sign_in(client, user.email, "not the password at all")
    unknown = sign_in(client, "nobody@sqi.example.cn", "not the password at all")
    assert wrong.status_code == unknown.status_code == 200
    assert message(wrong) == message(unknown) != ""
    assert "not correct" in message(wrong) or "不正确" in message(wrong)


def test_unknown_email_costs_a_password_check_too(app, client, monkeypatch):
    user = make_user("registrar")
    calls = []
    real = staff_service._verify
    monkeypatch.setattr(staff_service, "_verify", lambda h, p: calls.append(h) or real(h, p))
    sign_in(client, user.email, "whatever it is")
    sign_in(client, "nobody@sqi.example.cn", "whatever it is")
    # The same argon2 work for a real account and an unknown one: no timing oracle.
    assert len(calls) == 2
    assert all(h.startswith("$argon2id$") for h in calls)


def test_five_failures_lock_an_account_and_an_unknown_email_alike(app, client):
    user = make_user("registrar")
    with time_machine.travel(START, tick=False):
        known = [message(sign_in(client, user.email, f"wrong-{i}-password")) for i in range(5)]
        unknown = [message(sign_in(client, "ghost@sqi.example.cn", f"wrong-{i}-password"))
                   for i in range(5)]
        assert known == unknown  # nothing tells the two apart
        assert "15" in known[-1] and known[-1] != known[0]
        # Locked for this client: even the right password does not get in from here...
        response = sign_in(client, user.email)
        assert message(response) == known[-1]
        assert not signed_in(client)
        # ...but the attacker slowed down only themselves: the owner elsewhere gets in.
        owner = app.test_client()
        assert owner.post("/staff/login", data={"email": user.email, "password": PASSWORD},
                          environ_base={"REMOTE_ADDR": "10.9.8.7"}).status_code == 302
        assert signed_in(owner)
        assert not signed_in(client)
    with time_machine.travel(START + timedelta(minutes=16), tick=False):
        assert sign_in(client, user.email).status_code == 302
        assert signed_in(client)


def test_lock_out_is_recorded_and_an_admin_can_lift_it(app, client):
    user = make_user("registrar")
    admin = make_user("admin")
    for _ in range(5):
        sign_in(client, user.email, "wrong password here")
    assert db.session.scalar(db.select(AuditLogEntry).filter_by(action="staff.locked",
                                                                  entity_id=user.email))
    admin_client = app.test_client()
    sign_in(admin_client, admin.email)
    users_page = admin_client.get("/staff/users?lang=en").get_data(as_text=True)
    assert "Sign-in blocked for some clients" in users_page
    assert "1 client(s) blocked" in admin_client.get(
        f"/staff/users/{user.id}?lang=en").get_data(as_text=True)
    admin_client.post(f"/staff/users/{user.id}/unlock")
    assert sign_in(client, user.email).status_code == 302


def test_many_failures_from_one_address_block_it_for_every_account(app, client):
    user = make_user("registrar")
    for i in range(staff_service.IP_FAILURES_BEFORE_LOCK):
        sign_in(client, f"guess{i}@sqi.example.cn", "password guess 1")
    response = sign_in(client, user.email)
    assert response.status_code == 200
    assert not signed_in(client)
    other = app.test_client()
    # Another address is not affected.
    assert other.post("/staff/login", data={"email": user.email, "password": PASSWORD},
                      environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 302


def test_deactivated_account_cannot_sign_in_and_is_not_revealed(app, client):
    user = make_user("registrar")
    staff_service.set_active(user, False, actor="test", now=datetime.now(UTC))
    response = sign_in(client, user.email)
    assert message(response) == message(sign_in(client, "nobody@sqi.example.cn", PASSWORD))
    assert not signed_in(client)


def test_session_cookie_is_httponly_and_samesite(app, client):
    user = make_user("registrar")
    response = sign_in(client, user.email)
    cookie = next(v for v in response.headers.getlist("Set-Cookie") if v.startswith("session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Expires=" in cookie  # a permanent session that ends (PERMANENT_SESSION_LIFETIME)


def test_session_expires_after_its_lifetime(app, client):
    user = make_user("registrar")
    with time_machine.travel(START, tick=False):
        sign_in(client, user.email)
        assert signed_in(client)
    lifetime = app.config["PERMANENT_SESSION_LIFETIME"]
    seconds = lifetime.total_seconds() if isinstance(lifetime, timedelta) else lifetime
    with time_machine.travel(START + timedelta(seconds=seconds + 60), tick=False):
        response = client.get("/staff/certificates")
        assert response.status_code == 302
        assert "/staff/login" in response.headers["Location"]


def test_password_change_ends_other_sessions(app):
    user = make_user("registrar")
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop, user.email)
    sign_in(phone, user.email)
    new = "a brand new long passphrase"
    response = laptop.post("/staff/password", data={"current": PASSWORD, "new": new,
                                                    "confirm": new})
    assert response.status_code == 302
    assert signed_in(laptop)  # this session continues
    assert not signed_in(phone)  # the other one has ended
    laptop.post("/staff/logout")
    assert sign_in(laptop, user.email).status_code == 200  # the old password is gone
    assert sign_in(laptop, user.email, new).status_code == 302


@pytest.mark.parametrize("new, problem", [
    ("short", "12"),
    ("registrar@sqi.example.cn", "e-mail"),
    ("aaaaaaaaaaaa", "repeats characters"),
    ("abcabcabcabc", "repeats characters"),
    ("123456789012", "too easy to guess"),
    ("password1234", "common password"),
    ("Password123!", "common password"),
    ("registrar@sqi.example.cn!", "built from the e-mail"),
    # the body's own web address, e-mail address and names (#23 point 10)
    ("www.sqi.org.cn", "built from the e-mail"),
    ("rzzx@sqi.org.cn1", "built from the e-mail"),
    ("sqi.org.cn2026", "built from the e-mail"),
    ("SQIsqi2026!!", "built from the e-mail"),
    ("Shanghai Quality 2026", "built from the e-mail"),
])
def test_password_policy_is_explained(app, client, new, problem):
    user = make_user("registrar")
    sign_in(client, user.email)
    response = client.post("/staff/password?lang=en",
                           data={"current": PASSWORD, "new": new, "confirm": new})
    assert response.status_code == 200
    assert problem in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, user.id).password_changed_at is not None


def test_wrong_current_password_is_refused(app, client):
    user = make_user("registrar")
    sign_in(client, user.email)
    new = "another long passphrase"
    response = client.post("/staff/password?lang=en",
                           data={"current": "not it at all!", "new": new, "confirm": new})
    assert "current password is not correct" in response.get_data(as_text=True)


def test_one_time_password_must_be_replaced_first(app, client):
    user = make_user("registrar", must_change_password=True)
    assert sign_in(client, user.email).status_code == 302
    response = client.get("/staff/certificates")
    assert response.headers["Location"] == "/staff/password"


def test_passwords_are_stored_only_as_argon2_hashes(app):
    user = make_user("registrar")
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
    entries = db.session.scalars(db.select(AuditLogEntry)).all()
    assert entries and all(PASSWORD not in repr((e.before, e.after)) for e in entries)


def test_login_form_has_csrf_protection(csrf_app_config):
    with own_app(csrf_app_config) as app:
        user = make_user("registrar")
        client = app.test_client()
        response = client.post("/staff/login", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 400
        page = client.get("/staff/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        response = client.post("/staff/login", data={"email": user.email, "password": PASSWORD,
                                                      "csrf_token": token})
        assert response.status_code == 302


def test_old_failure_counters_are_forgotten(app, client):
    from portal.models.staff import LoginThrottle

    with time_machine.travel(START, tick=False):
        for i in range(3):
            sign_in(client, f"sprayed{i}@sqi.example.cn", "some guess here")
        # Per e-mail: one (client, e-mail) pair and one account-wide counter; one address.
        assert db.session.scalar(db.select(db.func.count()).select_from(LoginThrottle)) == 7
    with time_machine.travel(START + timedelta(hours=1), tick=False):
        sign_in(client, "later@sqi.example.cn", "another guess")
        keys = db.session.scalars(db.select(LoginThrottle.key)).all()
        assert len(keys) == 3  # the new e-mail's two counters and the address; old ones gone


def test_an_expired_session_cookie_is_refused_even_when_replayed(app):
    user = make_user("registrar")
    browser = app.test_client()
    with time_machine.travel(START, tick=False):
        response = sign_in(browser, user.email)
        cookie = next(c for c in response.headers.getlist("Set-Cookie")
                      if c.startswith("session=")).split(";", 1)[0].split("=", 1)[1]

        def replay():
            thief = app.test_client()  # keeps the cookie whatever its expiry says
            thief.set_cookie("session", cookie)
            return thief.get("/staff/")

        assert replay().status_code == 200
    lifetime = app.config["PERMANENT_SESSION_LIFETIME"]
    seconds = lifetime.total_seconds() if isinstance(lifetime, timedelta) else lifetime
    with time_machine.travel(START + timedelta(seconds=seconds + 1), tick=False):
        # A client that ignores the cookie's expiry gets nothing from the server either.
        response = replay()
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/staff/login")


def test_the_dummy_hash_costs_what_a_real_one_costs(app):
    real = make_user("registrar").password_hash
    dummy = staff_service._dummy_hash()
    # Same algorithm, version, memory, iterations and parallelism: the same verification time.
    assert dummy.rsplit("$", 2)[0] == real.rsplit("$", 2)[0]
    assert dummy.startswith("$argon2id$")


def test_locked_sign_ins_cost_a_password_check_too(app, client, monkeypatch):
    user = make_user("registrar")
    with time_machine.travel(START, tick=False):
        for email in (user.email, "ghost@sqi.example.cn"):
            for _ in range(staff_service.ACCOUNT_FAILURES_BEFORE_LOCK):
                sign_in(client, email, "wrong password here")
        calls = []
        real = staff_service._verify
        monkeypatch.setattr(staff_service, "_verify",
                            lambda h, p: calls.append(h) or real(h, p))
        locked_known = message(sign_in(client, user.email))
        locked_unknown = message(sign_in(client, "ghost@sqi.example.cn"))
    assert locked_known == locked_unknown
    assert len(calls) == 2 and all(h.startswith("$argon2id$") for h in calls)


def test_lock_out_messages_are_the_same_in_english_too(app, client):
    user = make_user("registrar")
    with time_machine.travel(START, tick=False):
        answers = {}
        for email in (user.email, "ghost@sqi.example.cn"):
            answers[email] = [message(client.post("/staff/login?lang=en", data={
                "email": email, "password": "wrong password here"})) for _ in range(6)]
    known, unknown = answers.values()
    assert known == unknown
    assert known[0] == "The e-mail or password is not correct."
    assert known[-1].startswith("Too many failed sign-in attempts.")


def test_a_session_cookie_copied_before_logout_is_refused_after_it(app):
    user = make_user("admin")
    browser = app.test_client()
    response = sign_in(browser, user.email)
    cookie = next(c for c in response.headers.getlist("Set-Cookie")
                  if c.startswith("session=")).split(";", 1)[0].split("=", 1)[1]

    def replay():
        thief = app.test_client()  # a copy of the cookie taken before the sign-out
        thief.set_cookie("session", cookie)
        return thief.get("/staff/users")

    assert replay().status_code == 200
    browser.post("/staff/logout")
    response = replay()
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/staff/login")
    # Signing in again works, and the new session is unaffected by the old one's end.
    assert sign_in(browser, user.email).status_code == 302
    assert browser.get("/staff/users").status_code == 200


def test_a_weak_password_is_explained_in_chinese_by_default(app, client):
    user = make_user("registrar")
    sign_in(client, user.email)
    response = client.post("/staff/password", data={"current": PASSWORD, "new": "aaaaaaaaaaaa",
                                                    "confirm": "aaaaaaaaaaaa"})
    page = response.get_data(as_text=True)
    assert "太容易被猜中" in page and "重复同一字符" in page
    assert "too easy" not in page


@pytest.mark.parametrize("password", ["aaaaaaaaaaaa", "qwertyuiop12", "iloveyou2026"])
def test_weak_passwords_are_refused_for_new_accounts_too(app, password):
    with pytest.raises(staff_service.StaffError) as refused:
        make_user("registrar", password=password)
    assert refused.value.code.startswith("weak_")
    assert staff_service.get_by_email("registrar@sqi.example.cn") is None


@pytest.mark.parametrize("password", [PASSWORD, "a brand new long passphrase",
                                      "Tea kettle, blue ladder & 7 moons",
                                      "上海的梧桐树在秋天变黄了"])
def test_passphrases_are_accepted(password):
    assert staff_service.password_problem(password, "registrar@sqi.example.cn") is None


def _attempt(app, email, password, ip, client=None):
    client = client or app.test_client()
    return client.post("/staff/login?lang=en", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": ip})


def test_failures_from_one_client_do_not_lock_out_the_owner(app):
    user = make_user("registrar")
    with time_machine.travel(START, tick=False):
        attacker = app.test_client()
        for i in range(staff_service.ACCOUNT_FAILURES_BEFORE_LOCK + 3):
            _attempt(app, user.email, f"guess number {i}", "203.0.113.9", attacker)
        # The attacker now cannot sign in even with the right password...
        assert _attempt(app, user.email, PASSWORD, "203.0.113.9", attacker).status_code == 200
        # ...while the owner's right password from their own address works at once.
        assert _attempt(app, user.email, PASSWORD, "198.51.100.20").status_code == 302


def test_many_addresses_close_the_account_net_but_not_the_owners_browser(app):
    user = make_user("admin")
    owner = app.test_client()
    with time_machine.travel(START, tick=False):
        # The owner signed in from this browser before: it is a trusted device of the account.
        assert _attempt(app, user.email, PASSWORD, "198.51.100.20", owner).status_code == 302
        owner.post("/staff/logout")
        # A botnet: many addresses, a few guesses each (never 5 from one address).
        for i in range(staff_service.ACCOUNT_FAILURES_BEFORE_NET):
            _attempt(app, user.email, f"botnet guess {i}", f"203.0.113.{i // 3}")
        # The net is closed for browsers new to the account, even with the right password...
        stranger = _attempt(app, user.email, PASSWORD, "192.0.2.77")
        assert stranger.status_code == 200
        assert "Too many failed sign-in attempts" in message(stranger)
        # ...but not for the owner's browser, from anywhere (here: an attacker's address).
        assert _attempt(app, user.email, PASSWORD, "203.0.113.1", owner).status_code == 302
        # Admins are told, on their start page and in the audit log.
        burst = db.session.scalar(db.select(AuditLogEntry).filter_by(action="staff.login_burst",
                                                                     entity_id=user.email))
        assert burst is not None and burst.after["failures"] == 30
        home = owner.get("/staff/?lang=en").get_data(as_text=True)
        assert "Blocked sign-in attempts in the last 24 hours" in home
        assert f"{user.email}: 30 wrong passwords from many addresses" in home
        assert "refused until" in owner.get(f"/staff/users/{user.id}?lang=en").get_data(
            as_text=True)
    with time_machine.travel(START + staff_service.LOCK_DURATION + timedelta(minutes=1),
                             tick=False):
        assert _attempt(app, user.email, PASSWORD, "192.0.2.77").status_code == 302


def test_a_trusted_browser_behind_the_attackers_address_still_gets_in(app):
    user = make_user("registrar")
    office = "198.51.100.20"  # one address for the whole office (NAT)
    owner = app.test_client()
    with time_machine.travel(START, tick=False):
        assert _attempt(app, user.email, PASSWORD, office, owner).status_code == 302
        owner.post("/staff/logout")
        for i in range(staff_service.IP_FAILURES_BEFORE_LOCK):  # the owner's, then others
            _attempt(app, user.email if i < 5 else f"x{i}@sqi.example.cn", f"guess {i}",
                     office)
        assert _attempt(app, user.email, PASSWORD, office).status_code == 200
        assert _attempt(app, user.email, PASSWORD, office, owner).status_code == 302
        blocked = db.session.scalar(db.select(AuditLogEntry).filter_by(
            action="staff.login_address_blocked", entity_id=office))
        assert blocked is not None


def test_a_trusted_device_cookie_is_signed_and_bound_to_its_account(app):
    user = make_user("registrar")
    other = make_user("complaints")
    browser = app.test_client()
    response = _attempt(app, user.email, PASSWORD, "198.51.100.20", browser)
    cookie = next(c for c in response.headers.getlist("Set-Cookie")
                  if c.startswith("staff_device="))
    assert "HttpOnly" in cookie and "Path=/staff" in cookie
    value = cookie.split(";", 1)[0].split("=", 1)[1]
    assert staff_service._trusted_device(value, user.email)
    assert staff_service._trusted_device(value, other.email) is None
    assert staff_service._trusted_device(value[:-2] + "xx", user.email) is None
    assert staff_service._trusted_device("garbage", user.email) is None


def test_lifting_the_blocks_opens_every_client_again(app):
    user = make_user("registrar")
    admin = make_user("admin")
    for i in range(staff_service.ACCOUNT_FAILURES_BEFORE_NET):
        _attempt(app, user.email, f"botnet guess {i}", f"203.0.113.{i // 3}")
    assert _attempt(app, user.email, PASSWORD, "203.0.113.1").status_code == 200
    admin_client = app.test_client()
    sign_in(admin_client, admin.email)
    admin_client.post(f"/staff/users/{user.id}/unlock")
    assert _attempt(app, user.email, PASSWORD, "203.0.113.1").status_code == 302
