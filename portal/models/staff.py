"""Staff accounts of the back office."""

from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import Boolean, Enum, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.types import UTCDateTime


class Role(StrEnum):
    ADMIN = "admin"
    REGISTRAR = "registrar"
    COMPLAINTS = "complaints"
    SALES = "sales"  # applications for certification and satisfaction surveys (#16)


class User(UserMixin, db.Model):
    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True, index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=16,
                                            values_callable=lambda e: [m.value for m in e]))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Bumped on password change/role change so old sessions stop working.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    def has_role(self, *roles: Role | str) -> bool:
        """Tell whether this user holds one of `roles`; admins hold every role."""
        return self.role == Role.ADMIN or self.role in {Role(r) for r in roles}


class LoginThrottle(db.Model):
    """Failed sign-ins counted per key (a hashed e-mail or an IP address), for lock-out.

    Keys exist for unknown e-mails too, so a lock-out looks the same whether or not the
    account exists; e-mails are stored hashed (people type passwords into the wrong box).
    """

    __tablename__ = "staff_login_throttles"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
