"""`portal create-user`: staff accounts from the command line, passwords never echoed."""

from portal.extensions import db
from portal.models import AuditLogEntry, Role, User
from portal.services import staff as staff_service

GOOD = "a long enough passphrase"


def create_user(app, *args: str, input: str):
    return app.test_cli_runner().invoke(args=["create-user", *args], input=input)


def test_create_user_reads_the_password_from_stdin(app):
    result = create_user(app, "Admin@SQI.example.cn", "--role", "admin", "--password-stdin",
                         input=GOOD + "\n")
    assert result.exit_code == 0, result.output
    assert "created admin account admin@sqi.example.cn" in result.output
    user = db.session.scalar(db.select(User))
    assert user.role is Role.ADMIN and user.email == "admin@sqi.example.cn"
    assert staff_service.authenticate(user.email, GOOD, ip="cli", now=user.created_at).user
    entry = db.session.scalar(db.select(AuditLogEntry).filter_by(action="staff.create"))
    assert entry.actor.startswith("cli:")
    assert GOOD not in repr(entry.after)


def test_create_user_prompts_hidden_twice_and_explains_the_policy(app):
    result = create_user(app, "reg@sqi.example.cn", "--role", "registrar",
                         input=f"short\nshort\n{GOOD}\n{GOOD}\n")
    assert result.exit_code == 0, result.output
    assert "at least 12 characters" in result.output
    assert GOOD not in result.output and "short" not in result.output.replace(
        "at least", "")  # hidden input is never echoed
    assert db.session.scalar(db.select(User)).role is Role.REGISTRAR


def test_create_user_refuses_a_short_piped_password(app):
    result = create_user(app, "reg@sqi.example.cn", "--role", "registrar", "--password-stdin",
                         input="tooshort\n")
    assert result.exit_code != 0
    assert "at least 12 characters" in result.output
    assert db.session.scalar(db.select(User)) is None


def test_create_user_refuses_a_repetitive_piped_password(app):
    result = create_user(app, "reg@sqi.example.cn", "--role", "registrar", "--password-stdin",
                         input="aaaaaaaaaaaa\n")
    assert result.exit_code != 0
    assert "too easy to guess" in result.output and "repeats" in result.output
    assert db.session.scalar(db.select(User)) is None


def test_create_user_refuses_an_existing_email_and_unknown_roles(app):
    create_user(app, "reg@sqi.example.cn", "--role", "registrar", "--password-stdin",
                input=GOOD + "\n")
    result = create_user(app, "REG@sqi.example.cn", "--role", "admin", "--password-stdin",
                         input=GOOD + "\n")
    assert result.exit_code != 0 and "already exists" in result.output
    result = create_user(app, "x@sqi.example.cn", "--role", "superuser", "--password-stdin",
                         input=GOOD + "\n")
    assert result.exit_code != 0 and "superuser" in result.output


def test_set_password_recovers_an_account_and_lifts_a_lock_out(app):
    from datetime import UTC, datetime

    create_user(app, "admin@sqi.example.cn", "--role", "admin", "--password-stdin",
                input=GOOD + "\n")
    now = datetime.now(UTC)
    for _ in range(staff_service.ACCOUNT_FAILURES_BEFORE_LOCK):
        staff_service.authenticate("admin@sqi.example.cn", "forgotten it again", ip="1.2.3.4",
                                   now=now)
    new = "remembered passphrase 2"
    result = app.test_cli_runner().invoke(args=["set-password", "ADMIN@sqi.example.cn",
                                                "--password-stdin"], input=new + "\n")
    assert result.exit_code == 0, result.output
    assert new not in result.output
    outcome = staff_service.authenticate("admin@sqi.example.cn", new, ip="1.2.3.4", now=now)
    assert outcome.outcome is staff_service.LoginOutcome.OK
    result = app.test_cli_runner().invoke(args=["set-password", "ghost@sqi.example.cn",
                                                "--password-stdin"], input=new + "\n")
    assert result.exit_code != 0 and "no staff account" in result.output


def test_create_user_refuses_a_password_built_from_the_bodys_address(app):
    for password in ("www.sqi.org.cn", "sqi.org.cn2026", "Shanghai Quality 2026"):
        result = create_user(app, "reg@sqi.example.cn", "--role", "registrar",
                             "--password-stdin", input=password + "\n")
        assert result.exit_code != 0, password
        assert "built from" in result.output, result.output
    assert db.session.scalar(db.select(User)) is None
