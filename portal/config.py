"""Settings: safe defaults, then instance/portal.cfg, then the environment (docs/contract.md §8)."""

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

DEFAULT_SERVER_URL = "http://127.0.0.1:5000"  # `make run`'s address
# The address `portal run --host --port` serves on (set by that command before the app loads);
# public links follow it when PUBLIC_BASE_URL is not set.
_served_at: str | None = None


# Where `portal run` records its address, so that commands run beside it (notifications,
# digests, webhooks) link to the same site when PUBLIC_BASE_URL is not set.
SERVED_AT_FILE = "served-at"


def record_served_at(instance_path: str, url: str) -> None:
    """Write the development server's address into the instance folder."""
    folder = Path(instance_path)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / SERVED_AT_FILE).write_text(url + "\n", encoding="utf-8")


def _recorded_served_at(instance: Path) -> str | None:
    try:
        text = (instance / SERVED_AT_FILE).read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return text if text.startswith(("http://", "https://")) and len(text) < 200 else None


class ConfigError(RuntimeError):
    """The settings do not allow the app to start."""


def serve_at(host: str, port: int, *, https: bool = False) -> str:
    """Remember the development server's address (the default PUBLIC_BASE_URL); return it.

    A wildcard interface (0.0.0.0, ::) is not an address a browser can open, so links use the
    loopback address of the same family; a server reachable from elsewhere sets PUBLIC_BASE_URL.
    """
    global _served_at
    host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    _served_at = f"{'https' if https else 'http'}://{host}:{port}"
    return _served_at


class DefaultConfig:
    PORTAL_ENV = "development"
    SECRET_KEY: str | None = None
    PUBLIC_BASE_URL: str | None = None  # default: where `portal run` serves (see served_at)
    SEARCH_INDEX_DIR: str | None = None  # default: instance/search-index
    REDIS_URL: str | None = None
    SMTP_HOST: str | None = None
    SMTP_PORT = 25
    SMTP_USERNAME: str | None = None
    SMTP_PASSWORD: str | None = None
    SMTP_STARTTLS = False
    MAIL_FROM = "rzzx@sqi.org.cn"
    OUTBOX_DIR: str | None = None  # default: instance/outbox (mail written here without SMTP)
    UPLOAD_DIR: str | None = None  # default: instance/uploads (complaint files, never public)
    UPLOAD_MAX_BYTES = 5 * 1024 * 1024  # one complaint attachment or photo
    COMPLAINT_TARGET_DAYS = 60  # days from receipt to decision before a case is overdue
    COMPLAINT_HOLIDAYS: tuple[str, ...] = ()  # ISO dates that are not working days
    COMPLAINT_RETENTION_DAYS = 3 * 365  # personal data of closed cases kept this long
    APPLICATION_ANSWER_WORKING_DAYS = 10  # working days from receipt to the first answer
    APPLICATION_RETENTION_DAYS = 3 * 365  # personal data of closed applications kept this long
    SURVEY_VALID_DAYS = 60  # days a satisfaction-survey link can be answered
    RATELIMIT_ENABLED = True
    RATELIMIT_DEFAULT = "300 per minute;5000 per hour"  # per client address and route
    TRUSTED_PROXIES = 0  # reverse-proxy hops whose X-Forwarded-For/-Proto are believed
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_STORAGE_URI = "memory://"
    # If Redis fails, keep serving with per-process counters rather than answering 500.
    RATELIMIT_SWALLOW_ERRORS = True
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict[str, Any]] = {"pool_pre_ping": True}
    LANGUAGES = ("zh_CN", "en")
    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    TIMEZONE = "Asia/Shanghai"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    PERMANENT_SESSION_LIFETIME = 8 * 3600  # staff sessions expire after a working day
    WTF_CSRF_TIME_LIMIT = 4 * 3600
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024  # uploads (complaint attachments, registers)
    JSON_AS_ASCII = False
    BODY_NAME_ZH = "上海质量技术认证中心"
    BODY_NAME_EN = "Shanghai Quality Technology Certification Center"
    BODY_EMAIL = "rzzx@sqi.org.cn"
    BODY_WEBSITE = "http://www.sqi.org.cn"
    # The body's standing, shown on every certificate page and API record (docs/issuer.md);
    # empty until the operator sets the numbers the CNCA approval and CNAS certificate carry.
    BODY_CNCA_APPROVAL_NUMBER = ""
    # The three-digit code CNCA gave the body, which starts its management-system certificate
    # numbers (02722Q10234R3M): an unknown number with another code is another body's.
    BODY_ISSUER_CODE = "027"
    BODY_CNAS_ACCREDITATION_NUMBER = ""
    # IAF and ILAC merged into Global ACI on 2026-01-01: "IAF MLA signatory" is no longer true.
    ACCREDITATION_STATEMENT_ZH = ("认可机构 CNAS 是国际认可合作组织（Global ACI，由 IAF 与 ILAC "
                                  "于 2026 年 1 月 1 日合并成立）互认协议的签署方。")
    ACCREDITATION_STATEMENT_EN = ("The accreditation body CNAS is a signatory of the mutual "
                                  "recognition arrangement of Global Accreditation Cooperation "
                                  "(Global ACI, formed by the merger of IAF and ILAC on "
                                  "1 January 2026).")
    # Days ahead `portal overdue-surveillance` and the daily mail look (docs/surveillance.md).
    SURVEILLANCE_WARNING_DAYS = 30
    BODY_ADDRESS_ZH = ""  # printed on certificate documents (ISO/IEC 17021-1 §8.2.2)
    BODY_ADDRESS_EN = ""
    # The key signed PDFs carry (docs/signing.md); unset: a development key in instance/.
    PDF_SIGNING_KEY_FILE: str | None = None
    PDF_SIGNING_CERT_FILE: str | None = None
    PDF_SIGNING_KEY_PASSWORD: str | None = None
    # The licence /register.csv and /register.json are published under (docs/features/open-data.md).
    OPEN_DATA_LICENCE = "CC-BY-4.0"
    OPEN_DATA_LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"
    # Tests only (honoured only with TESTING): let webhooks call http:// and loopback receivers.
    WEBHOOK_ALLOW_PRIVATE_FOR_TESTS = False
    # QR signing key ids, newest first: "2,1" or "2,1:old-secret" (see docs/features/qr.md).
    QR_SIGNING_KEYS: tuple[str, ...] = ("1",)


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


# Settings an operator sets through the environment (docs/contract.md §8 first); README documents each.
SPEC_SETTINGS: tuple[str, ...] = (
    "DATABASE_URL", "SEARCH_INDEX_DIR", "SECRET_KEY", "PUBLIC_BASE_URL", "REDIS_URL",
    "SMTP_HOST", "SMTP_PORT", "MAIL_FROM", "RATELIMIT_ENABLED",
)
# Flask/extension internals that are not meant to be set from the environment.
_NOT_FROM_ENV = frozenset({
    "SQLALCHEMY_ENGINE_OPTIONS", "LANGUAGES", "RATELIMIT_STORAGE_URI", "RATELIMIT_HEADERS_ENABLED",
    "RATELIMIT_SWALLOW_ERRORS", "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED",
    "JSON_AS_ASCII", "BABEL_DEFAULT_LOCALE", "BABEL_DEFAULT_TIMEZONE", "TIMEZONE",
    "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE", "SESSION_COOKIE_SECURE",
    "REMEMBER_COOKIE_HTTPONLY", "WTF_CSRF_TIME_LIMIT"})


def environment_settings() -> list[str]:
    """Return every setting that can come from the environment (documented in README)."""
    extra = [name for name in vars(DefaultConfig)
             if name.isupper() and name not in _NOT_FROM_ENV and name not in SPEC_SETTINGS]
    return [*SPEC_SETTINGS, *extra]


def _coerce(name: str, value: str) -> Any:
    default = getattr(DefaultConfig, name, None)
    if isinstance(default, bool):
        return _bool(value)
    if isinstance(default, int):
        return int(value)
    if isinstance(default, float):
        return float(value)
    if isinstance(default, tuple | list):
        return tuple(v.strip() for v in value.split(",") if v.strip())
    return value


def settings_from_environ(environ: Mapping[str, str]) -> dict[str, Any]:
    """Read every known setting present (and non-empty) in `environ`."""
    out: dict[str, Any] = {}
    if environ.get("DATABASE_URL"):
        url = environ["DATABASE_URL"]
        # Heroku-style URLs name the driver "postgres"; SQLAlchemy wants psycopg 3 explicitly.
        if url.startswith("postgres://"):
            url = "postgresql+psycopg://" + url[len("postgres://"):]
        elif url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://"):]
        out["SQLALCHEMY_DATABASE_URI"] = url
    for name in environment_settings():
        if name != "DATABASE_URL" and environ.get(name):
            try:
                out[name] = _coerce(name, environ[name])
            except ValueError as exc:
                raise ConfigError(f"{name}={environ[name]!r} is not valid: {exc}") from exc
    return out


def finish_config(config: dict[str, Any], instance_path: str) -> None:
    """Fill in derived settings and refuse to start in production without a SECRET_KEY."""
    instance = Path(instance_path)
    production = config.get("PORTAL_ENV") == "production"
    if not config.get("SQLALCHEMY_DATABASE_URI"):
        instance.mkdir(parents=True, exist_ok=True)
        config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'portal.sqlite3'}"
    if not config.get("SEARCH_INDEX_DIR"):
        config["SEARCH_INDEX_DIR"] = str(instance / "search-index")
    if not config.get("SECRET_KEY"):
        if production:
            raise ConfigError("SECRET_KEY must be set when PORTAL_ENV=production")
        config["SECRET_KEY"] = _local_secret(instance, testing=bool(config.get("TESTING")))
    if config.get("REDIS_URL"):
        config["RATELIMIT_STORAGE_URI"] = config["REDIS_URL"]
        # Redis unreachable: give up within half a second and count in memory (see
        # RATELIMIT_IN_MEMORY_FALLBACK_ENABLED) rather than hold the request.
        config.setdefault("RATELIMIT_STORAGE_OPTIONS", {"socket_connect_timeout": 0.5,
                                                        "socket_timeout": 0.5})
    if production:
        config["SESSION_COOKIE_SECURE"] = True
        config["REMEMBER_COOKIE_SECURE"] = True
    # Where public links point, and why: "setting", "server" (this process is `portal run`),
    # "recorded" (the address `portal run` last recorded) or "default" (nothing known).
    recorded = None if config.get("TESTING") else _recorded_served_at(instance)
    if config.get("PUBLIC_BASE_URL"):
        base, source = config["PUBLIC_BASE_URL"], "setting"
    elif _served_at:
        base, source = _served_at, "server"
    elif recorded:
        base, source = recorded, "recorded"
    else:
        base, source = DEFAULT_SERVER_URL, "default"
    config["PUBLIC_BASE_URL"] = str(base).rstrip("/")
    config["PUBLIC_BASE_URL_SOURCE"] = source
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {}
    elif config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg"):
        # psycopg prepares a statement after 5 runs, and PostgreSQL may then pick a generic
        # plan that scans for long `IN (...)` lists (bulk verify, import): seconds instead of ms.
        options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        # connect_timeout: with the database host unreachable, a request fails over to the
        # 503 page within seconds instead of hanging a worker until gunicorn kills it.
        options["connect_args"] = {"prepare_threshold": None, "connect_timeout": 5,
                                   **options.get("connect_args", {})}
        config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def _local_secret(instance: Path, *, testing: bool) -> str:
    """Keep a development secret in instance/ so QR signatures survive restarts."""
    if testing:
        return "test-secret-key"
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    os.chmod(path, 0o600)
    return key
