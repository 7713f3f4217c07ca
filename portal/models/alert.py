"""Public warnings shown at /alerts."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Boolean, Date, Enum, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, validates

from portal.domain.codes import number_key
from portal.extensions import db
from portal.models.types import UTCDateTime


class AlertKind(StrEnum):
    COUNTERFEIT_NUMBER = "counterfeit_number"
    LOOKALIKE_SITE = "lookalike_site"
    UNRETURNED_CERTIFICATE = "unreturned_certificate"


class Alert(db.Model):
    __tablename__ = "alerts"
    # The certificate page asks "which active warnings name this number?" on every request
    # (portal/render_cache.py): one indexed lookup on the value's number key.
    __table_args__ = (Index("ix_alerts_number_key_active", "number_key", "active"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[AlertKind] = mapped_column(Enum(AlertKind, native_enum=False, length=32,
                                                 values_callable=lambda e: [m.value for m in e]))
    value: Mapped[str] = mapped_column(String(500))  # the number, the URL or domain
    # `value` as a certificate number is looked up (case, width, spaces, `-`, `/` ignored);
    # set from `value` on every assignment, so every write path keeps it.
    number_key: Mapped[str] = mapped_column(String(500), default="")
    description_zh: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    published_on: Mapped[date] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(254), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    @validates("value")
    def _keep_number_key(self, _name: str, value: str) -> str:
        self.number_key = number_key(value or "")
        return value
