"""Staff accounts: argon2 password hashes, sign-in with lock-out, roles and deactivation.

Passwords are never stored or logged in plaintext; the audit log records who changed which
account, never a password or a hash. Sign-in failures are counted in `LoginThrottle` per
(client, hashed e-mail), per address and per hashed e-mail (see the sign-in section), the same
way for existing and unknown e-mails, so that neither the messages nor the lock-out reveal
whether an account exists.
"""

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy import delete, func, or_, select
from sqlalchemy.exc import IntegrityError

from portal.domain import passwords
from portal.extensions import db
from portal.models import AuditLogEntry, Role, User
from portal.models.staff import LoginThrottle
from portal.services import audit_log

log = logging.getLogger(__name__)

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256
ACCOUNT_FAILURES_BEFORE_LOCK = 5  # per (client, e-mail), within LOCK_WINDOW
IP_FAILURES_BEFORE_LOCK = 20  # per address: stops spraying one password over many accounts
# Per e-mail from every untrusted client together: the net against attacks from many addresses.
ACCOUNT_FAILURES_BEFORE_NET = 30
DEVICE_TRUST = timedelta(days=180)  # a browser stays a trusted device this long after sign-in
DEVICE_ACCOUNTS = 5  # accounts one browser can be trusted for (a shared office PC)
LOCK_WINDOW = timedelta(minutes=15)
LOCK_DURATION = timedelta(minutes=15)
# Words an attacker tries first against this body's staff: never the core of a password.
PASSWORD_HINTS = ("sqi", "shanghai", "certification", "portal", "staff", "admin", "registrar",
                  "complaints", "cnca", "cnas", "上海质量技术认证中心", "质量", "认证")

_hasher = PasswordHasher()


class StaffError(ValueError):
    """A staff-account operation that cannot be done; `code` names the reason."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class LoginOutcome(StrEnum):
    OK = "ok"
    INVALID = "invalid"  # wrong e-mail or password, or a deactivated account: one message
    LOCKED = "locked"  # too many failures for this e-mail or from this address


@dataclass(frozen=True)
class LoginResult:
    outcome: LoginOutcome
    user: User | None = None
    device_cookie: str | None = None  # on success: the trusted-device cookie to set


def normalise_email(raw: str) -> str:
    """Return the e-mail as stored: trimmed and lower-case."""
    return (raw or "").strip().lower()


def hash_password(password: str) -> str:
    """Return the argon2id hash of `password`."""
    return _hasher.hash(password)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))


def _spend_equal_time(password: str) -> None:
    """Verify against a throwaway hash so unknown e-mails take as long as known ones."""
    _verify(_dummy_hash(), password)


def password_problem(password: str, email: str = "", name: str = "") -> str | None:
    """Return why `password` is not acceptable, or None.

    `too_short`, `too_long`, `is_email`, or a guessability problem from the zxcvbn estimator:
    `weak_personal` (built from the e-mail, the name or the body's name), `weak_repetitive`
    (repeats, sequences, keyboard rows) or `weak_common` (a common password or word).
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        return "too_short"
    if len(password) > MAX_PASSWORD_LENGTH:
        return "too_long"
    if email and password.strip().lower() == normalise_email(email):
        return "is_email"
    email = normalise_email(email)
    hints = [*_address_hints(email), name, *PASSWORD_HINTS, *_body_hints()]
    weakness = passwords.weakness(password, hints)
    return f"weak_{weakness}" if weakness else None


def _address_hints(address: str) -> list[str]:
    """Return an e-mail address or host and its parts: `rzzx@sqi.org.cn` -> `sqi.org.cn`,
    `sqi`, `org`, `cn`, `rzzx`."""
    local, _, domain = address.strip().lower().rpartition("@")
    domain = domain.removeprefix("www.")
    labels = [label for label in domain.split(".") if label]
    return [h for h in (address, local, domain, f"www.{domain}", "".join(labels), *labels) if h]


def _body_hints() -> list[str]:
    """Return the body's own names, web address and e-mail addresses (configured), and the
    words of its names: a password built from them is guessed first by an attacker."""
    if not has_app_context():
        return []
    config = current_app.config
    hints: list[str] = []
    for key in ("BODY_NAME_ZH", "BODY_NAME_EN", "BODY_SHORT_NAME"):
        value = str(config.get(key) or "")
        hints += [value, value.replace(" ", ""), *value.split()]
    for key in ("BODY_EMAIL", "MAIL_FROM"):
        hints += _address_hints(str(config.get(key) or ""))
    website = urlsplit(str(config.get("BODY_WEBSITE") or "")).hostname or ""
    public = urlsplit(str(config.get("PUBLIC_BASE_URL") or "")).hostname or ""
    hints += _address_hints(website) + _address_hints(public)
    return [h for h in hints if h]


def _check_password(password: str, email: str, name: str = "") -> None:
    problem = password_problem(password, email, name)
    if problem:
        raise StaffError(problem)


def _valid_email(email: str) -> bool:
    local, _, domain = email.partition("@")
    return bool(local) and "." in domain and " " not in email and len(email) <= 254


def get_by_email(email: str) -> User | None:
    """Find a staff account by e-mail (any case)."""
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def _account_view(user: User) -> dict[str, object]:
    return {"email": user.email, "name": user.name, "role": user.role.value,
            "active": user.active}


def create_user(email: str, role: Role | str, password: str, *, actor: str, now: datetime,
                name: str = "", must_change_password: bool = False) -> User:
    """Create a staff account; StaffError `bad_email`, `exists` or a password problem."""
    email = normalise_email(email)
    if not _valid_email(email):
        raise StaffError("bad_email")
    role = Role(role)
    _check_password(password, email, name)
    if get_by_email(email) is not None:
        raise StaffError("exists")
    user = User(email=email, name=name.strip(), role=role, password_hash=hash_password(password),
                active=True, failed_logins=0, session_version=1, created_at=now,
                password_changed_at=None if must_change_password else now)
    db.session.add(user)
    audit_log.record(actor=actor, action="staff.create", entity_type="staff_user",
                     entity_id=email, before=None, after=_account_view(user), now=now)
    try:
        db.session.commit()
    except IntegrityError:  # a concurrent create of the same e-mail
        db.session.rollback()
        raise StaffError("exists") from None
    return user


def must_change_password(user: User) -> bool:
    """Tell whether the user still signs in with a password an admin set for them."""
    return user.password_changed_at is None


# --- sign-in ------------------------------------------------------------------------------
#
# Failures are counted per (client, account): five wrong passwords lock that pair for a while,
# so an attacker slows down only themselves and the owner signs in from anywhere else. The
# client is the browser's trusted-device cookie when it holds one for the account (given at a
# successful sign-in), else the network address. Two nets catch what the pairs cannot: one
# address failing on many accounts (password spraying) is blocked, and an account failing from
# many clients at once (a distributed attack) turns away clients that are not trusted devices
# of the account; neither net can shut out the owner's usual browser. Every net that closes
# writes an audit entry, and admins see recent ones on the back office start page.

def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _email_key(email: str) -> str:
    """The account-wide counter (the net against attacks from many clients)."""
    return "email:" + _digest(normalise_email(email))


def _pair_prefix(email: str) -> str:
    return "pair:" + _digest(normalise_email(email))[:40] + ":"


def _pair_key(email: str, client: str) -> str:
    return _pair_prefix(email) + _digest(client)[:40]


def _ip_key(ip: str) -> str:
    return "ip:" + (ip or "unknown")[:120]


def _throttle(key: str) -> LoginThrottle | None:
    return db.session.get(LoginThrottle, key)


def _is_locked(key: str, now: datetime) -> bool:
    row = _throttle(key)
    return bool(row and row.locked_until and row.locked_until > now)


def _sweep_throttles(now: datetime) -> None:
    """Forget counters whose window and lock have both run out (attacks leave many behind)."""
    db.session.execute(delete(LoginThrottle).where(
        LoginThrottle.window_started_at < now - LOCK_WINDOW,
        or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until < now)))


def _count_failure(key: str, limit: int, now: datetime) -> tuple[bool, bool]:
    """Count one failure for `key`; return (locked now, locked by this very failure)."""
    row = _throttle(key)
    if row is None:
        row = LoginThrottle(key=key, failures=0, window_started_at=now)
        try:
            with db.session.begin_nested():
                db.session.add(row)
        except IntegrityError:  # another worker counted the first failure at the same time
            row = _throttle(key)
            assert row is not None
    if row.window_started_at + LOCK_WINDOW <= now or (row.locked_until and
                                                       row.locked_until <= now):
        row.failures, row.window_started_at, row.locked_until = 0, now, None
    row.failures += 1
    newly = row.failures == limit
    if row.failures >= limit and row.locked_until is None:
        row.locked_until = now + LOCK_DURATION
    return row.locked_until is not None, newly


def _clear(key: str) -> None:
    row = _throttle(key)
    if row is not None:
        db.session.delete(row)


# --- trusted devices: a signed cookie naming the accounts that signed in on this browser ----

def _device_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="staff-device")


def _read_device(cookie: str | None) -> dict[str, Any] | None:
    if not cookie or len(cookie) > 2000:
        return None
    try:
        data = _device_serializer().loads(cookie, max_age=int(DEVICE_TRUST.total_seconds()))
    except BadData:
        return None
    if not (isinstance(data, dict) and isinstance(data.get("id"), str)
            and isinstance(data.get("accounts"), list)):
        return None
    return data


def _trusted_device(cookie: str | None, email: str) -> str | None:
    """Return the device id when `cookie` is a trusted device of the account, else None."""
    data = _read_device(cookie)
    if data is None or _digest(email)[:40] not in data["accounts"]:
        return None
    return str(data["id"])


def _device_cookie(cookie: str | None, email: str) -> str:
    """Return the cookie value trusting this browser for `email` too (newest five accounts)."""
    data = _read_device(cookie) or {"id": secrets.token_hex(16), "accounts": []}
    account = _digest(email)[:40]
    accounts = [a for a in data["accounts"] if a != account][-(DEVICE_ACCOUNTS - 1):]
    return _device_serializer().dumps({"id": data["id"], "accounts": [*accounts, account]})


def authenticate(email: str, password: str, *, ip: str, now: datetime,
                 device: str | None = None) -> LoginResult:
    """Check a sign-in attempt, counting failures; commits the counters.

    `device` is the browser's trusted-device cookie, if any; a successful result carries the
    cookie to set. Unknown e-mails and wrong passwords give the same outcome after the same
    work (an argon2 verification), and lock out after the same number of failures.
    """
    email = normalise_email(email)
    trusted = _trusted_device(device, email) if email else None
    client = f"device:{trusted}" if trusted else f"ip:{ip or 'unknown'}"
    pair_key, ip_key, email_key = _pair_key(email, client), _ip_key(ip), _email_key(email)
    nets = [] if trusted else [ip_key, email_key]  # a trusted device is never shut out by them
    if any(_is_locked(key, now) for key in (pair_key, *nets)):
        _spend_equal_time(password)
        return LoginResult(LoginOutcome.LOCKED)
    user = get_by_email(email) if email else None
    if user is None:
        _spend_equal_time(password)
        ok = False
    else:
        ok = _verify(user.password_hash, password) and user.active
    if ok:
        assert user is not None
        _clear(pair_key)
        user.failed_logins = 0
        user.last_login_at = now
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        audit_log.record(actor=user.email, action="staff.login", entity_type="staff_user",
                         entity_id=user.email, before=None, after=None, now=now, ip=ip)
        db.session.commit()
        return LoginResult(LoginOutcome.OK, user, _device_cookie(device, email))
    _sweep_throttles(now)
    pair_locked, pair_new = _count_failure(pair_key, ACCOUNT_FAILURES_BEFORE_LOCK, now)
    ip_locked = ip_new = account_locked = account_new = False
    if not trusted:
        ip_locked, ip_new = _count_failure(ip_key, IP_FAILURES_BEFORE_LOCK, now)
        account_locked, account_new = _count_failure(email_key, ACCOUNT_FAILURES_BEFORE_NET,
                                                     now)
    until = (now + LOCK_DURATION).isoformat()
    client_label = "trusted device" if trusted else (ip or "unknown")
    if user is not None:
        user.failed_logins = (user.failed_logins or 0) + 1
        if pair_new:
            audit_log.record(actor="system", action="staff.locked", entity_type="staff_user",
                             entity_id=user.email, before=None,
                             after={"client": client_label, "locked_until": until,
                                    "failures": ACCOUNT_FAILURES_BEFORE_LOCK}, now=now, ip=ip)
        if account_new:
            audit_log.record(actor="system", action="staff.login_burst",
                             entity_type="staff_user", entity_id=user.email, before=None,
                             after={"failures": ACCOUNT_FAILURES_BEFORE_NET,
                                    "window_minutes": int(LOCK_WINDOW.total_seconds() // 60),
                                    "untrusted_clients_refused_until": until},
                             now=now, ip=ip)
    if ip_new:
        audit_log.record(actor="system", action="staff.login_address_blocked",
                         entity_type="client", entity_id=(ip or "unknown")[:120], before=None,
                         after={"failures": IP_FAILURES_BEFORE_LOCK, "blocked_until": until},
                         now=now, ip=ip)
    locked = pair_locked or ip_locked or account_locked
    log.warning("failed staff sign-in from %s%s", ip, " (now locked)" if locked else "")
    db.session.commit()
    return LoginResult(LoginOutcome.LOCKED if locked else LoginOutcome.INVALID)


@dataclass(frozen=True)
class LockState:
    """What failed sign-ins currently hold against an account (for its admin page)."""

    blocked_clients: int  # (client, account) pairs locked after repeated failures
    untrusted_refused_until: datetime | None  # the account-wide net, when it is closed

    def __bool__(self) -> bool:
        return bool(self.blocked_clients or self.untrusted_refused_until)


def lock_state(user: User, now: datetime) -> LockState:
    """Tell which sign-in blocks hold against this account right now."""
    pairs = db.session.scalar(select(func.count()).select_from(LoginThrottle).where(
        LoginThrottle.key.startswith(_pair_prefix(user.email), autoescape=True),
        LoginThrottle.locked_until > now)) or 0
    net = _throttle(_email_key(user.email))
    until = net.locked_until if net and net.locked_until and net.locked_until > now else None
    return LockState(pairs, until)


def is_locked(user: User, now: datetime) -> bool:
    """Tell whether any client, or every untrusted one, is blocked from this account."""
    return bool(lock_state(user, now))


def _lift_blocks(user: User) -> None:
    db.session.execute(delete(LoginThrottle).where(
        LoginThrottle.key.startswith(_pair_prefix(user.email), autoescape=True)))
    _clear(_email_key(user.email))


def unlock(user: User, *, actor: str, now: datetime) -> None:
    """Lift every sign-in block of this account before it runs out."""
    _lift_blocks(user)
    user.failed_logins = 0
    user.locked_until = None
    audit_log.record(actor=actor, action="staff.unlock", entity_type="staff_user",
                     entity_id=user.email, before=None, after=None, now=now)
    db.session.commit()


SIGN_IN_ALERTS = ("staff.locked", "staff.login_burst", "staff.login_address_blocked")


def recent_sign_in_alerts(now: datetime, *, hours: int = 24,
                          limit: int = 20) -> list[AuditLogEntry]:
    """Return the newest sign-in blocks of the last `hours` (audit entries), for admins."""
    return list(db.session.scalars(
        select(AuditLogEntry).where(AuditLogEntry.action.in_(SIGN_IN_ALERTS),
                                    AuditLogEntry.at >= now - timedelta(hours=hours))
        .order_by(AuditLogEntry.at.desc(), AuditLogEntry.id.desc()).limit(limit)))


# --- account changes ----------------------------------------------------------------------

def end_sessions(user: User) -> None:
    """End every session of the account server-side (sign-out): a copied cookie stops working.

    Sessions carry the account's `session_version`; raising it makes every earlier session
    cookie fail to load, however long its own lifetime still runs.
    """
    user.session_version += 1
    db.session.commit()


def change_password(user: User, current: str, new: str, *, now: datetime) -> None:
    """Replace the user's password and end their other sessions.

    Raises StaffError `wrong_password`, `same_password` or a password problem.
    """
    if not _verify(user.password_hash, current):
        raise StaffError("wrong_password")
    _check_password(new, user.email, user.name)
    if new == current:
        raise StaffError("same_password")
    user.password_hash = hash_password(new)
    user.password_changed_at = now
    user.session_version += 1
    audit_log.record(actor=user.email, action="staff.password_change", entity_type="staff_user",
                     entity_id=user.email, before=None, after=None, now=now)
    db.session.commit()


def set_password(user: User, password: str, *, actor: str, now: datetime) -> None:
    """Give the account a password chosen by an operator (CLI recovery); sessions end and any
    lock-out is lifted. Raises StaffError with a password problem."""
    _check_password(password, user.email, user.name)
    user.password_hash = hash_password(password)
    user.password_changed_at = now
    user.session_version += 1
    user.failed_logins = 0
    user.locked_until = None
    _lift_blocks(user)
    audit_log.record(actor=actor, action="staff.password_set", entity_type="staff_user",
                     entity_id=user.email, before=None, after=None, now=now)
    db.session.commit()


def one_time_password() -> str:
    """Return a random password for an admin to hand over (it must be replaced at sign-in)."""
    return secrets.token_urlsafe(12)


def reset_password(user: User, *, actor: str, now: datetime) -> str:
    """Give the user a new one-time password (returned once, to hand over); they must change
    it when they next sign in. Their sessions end and any lock-out is lifted."""
    temporary = one_time_password()
    user.password_hash = hash_password(temporary)
    user.password_changed_at = None
    user.session_version += 1
    user.failed_logins = 0
    user.locked_until = None
    _lift_blocks(user)
    audit_log.record(actor=actor, action="staff.password_reset", entity_type="staff_user",
                     entity_id=user.email, before=None, after=None, now=now)
    db.session.commit()
    return temporary


def _active_admins() -> int:
    return db.session.scalar(select(func.count()).select_from(User).where(
        User.role == Role.ADMIN, User.active.is_(True))) or 0


def set_role(user: User, role: Role | str, *, actor: str, now: datetime) -> None:
    """Change the user's role (their sessions end); the last active admin cannot be demoted."""
    role = Role(role)
    if role == user.role:
        return
    if user.role == Role.ADMIN and user.active and _active_admins() <= 1:
        raise StaffError("last_admin")
    before = _account_view(user)
    user.role = role
    user.session_version += 1
    audit_log.record(actor=actor, action="staff.role", entity_type="staff_user",
                     entity_id=user.email, before=before, after=_account_view(user), now=now)
    db.session.commit()


def set_active(user: User, active: bool, *, actor: str, now: datetime) -> None:
    """Deactivate (sessions end at once) or reactivate an account; never the last admin."""
    if active == user.active:
        return
    if not active and user.role == Role.ADMIN and _active_admins() <= 1:
        raise StaffError("last_admin")
    before = _account_view(user)
    user.active = active
    user.session_version += 1
    audit_log.record(actor=actor, action="staff.activate" if active else "staff.deactivate",
                     entity_type="staff_user", entity_id=user.email, before=before,
                     after=_account_view(user), now=now)
    db.session.commit()


def list_users() -> list[User]:
    """Return every staff account, admins first, then by e-mail."""
    return list(db.session.scalars(select(User).order_by(User.role, User.email)))
