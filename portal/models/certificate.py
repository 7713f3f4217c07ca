"""The certificate register: certificates, their sites, events (history) and audits."""

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Enum,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.domain.status import CertificateStatus, PublicStatus, public_status
from portal.extensions import db
from portal.models.types import UTCDateTime


def _enum(cls: type[StrEnum], length: int = 24) -> Enum:
    return Enum(cls, native_enum=False, length=length, validate_strings=True,
                values_callable=lambda e: [m.value for m in e])


class EventKind(StrEnum):
    """What an entry of a certificate's history records."""

    ISSUED = "issued"  # first entry: the certificate came into the register
    STATUS = "status"  # a status change (suspended, restored, withdrawn, cancelled)
    REISSUED = "reissued"  # a new printed issue (issue_number + 1): old QR codes are stale
    SCOPE_EXTENDED = "scope_extended"
    SCOPE_REDUCED = "scope_reduced"
    SCOPE_CHANGED = "scope_changed"  # scope text changed by an import (direction unknown)
    RENAMED = "renamed"
    CORRECTED = "corrected"  # other field corrections
    RENEWED = "renewed"  # recertification: new expiry date


class AuditType(StrEnum):
    INITIAL = "initial"
    SURVEILLANCE = "surveillance"
    RECERTIFICATION = "recertification"
    SPECIAL = "special"


class Certificate(db.Model):
    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_number: Mapped[str] = mapped_column(String(64), unique=True)
    number_key: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    scheme: Mapped[str] = mapped_column(String(24), index=True)
    standard: Mapped[str] = mapped_column(String(200))
    # Indexed for the exact-name checks of /verify-list and the API batch (#12).
    holder_name_zh: Mapped[str] = mapped_column(String(300), index=True)
    holder_name_en: Mapped[str] = mapped_column(String(300), default="", index=True)
    credit_code: Mapped[str] = mapped_column(String(18), default="", index=True)
    address_zh: Mapped[str] = mapped_column(String(500), default="")
    address_en: Mapped[str] = mapped_column(String(500), default="")
    province: Mapped[str] = mapped_column(String(50), default="", index=True)
    city: Mapped[str] = mapped_column(String(50), default="")
    scope_zh: Mapped[str] = mapped_column(Text)
    scope_en: Mapped[str] = mapped_column(Text, default="")
    initial_issue_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    issue_date: Mapped[date] = mapped_column(Date)
    expiry_date: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[CertificateStatus] = mapped_column(_enum(CertificateStatus))
    status_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    status_reason: Mapped[str] = mapped_column(String(500), default="")
    accreditation: Mapped[str] = mapped_column(String(50), default="")
    former_names: Mapped[list[str]] = mapped_column(JSON, default=list)
    restricted: Mapped[bool] = mapped_column(Boolean, default=False)
    # The printed issue: bumped on re-issue so QR codes of older prints read "not current".
    issue_number: Mapped[int] = mapped_column(Integer, default=1)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    sites: Mapped[list["Site"]] = relationship(
        back_populates="certificate", order_by="Site.position", cascade="all, delete-orphan")
    events: Mapped[list["CertificateEvent"]] = relationship(
        back_populates="certificate",
        order_by="(CertificateEvent.effective_date, CertificateEvent.id)",
        cascade="all, delete-orphan")
    audits: Mapped[list["Audit"]] = relationship(
        back_populates="certificate", order_by="Audit.audit_date", cascade="all, delete-orphan")

    def public_status(self, today: date) -> PublicStatus:
        """Return the status the public sees on `today` (`expired` derived)."""
        return public_status(self.status, self.expiry_date, today)

    @property
    def site_addresses(self) -> list[str]:
        return [site.address for site in self.sites]

    @property
    def status_history(self) -> list["CertificateEvent"]:
        return [e for e in self.events if e.status is not None]

    def __repr__(self) -> str:
        return f"<Certificate {self.certificate_number} {self.status}>"


class Site(db.Model):
    """Another certified site of a certificate (docs/contract.md §2 `sites`)."""

    __tablename__ = "certificate_sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id", ondelete="CASCADE"),
                                                index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    address: Mapped[str] = mapped_column(String(500))
    certificate: Mapped[Certificate] = relationship(back_populates="sites")


class CertificateEvent(db.Model):
    """One append-only entry of a certificate's history; never updated or deleted."""

    __tablename__ = "certificate_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id", ondelete="CASCADE"),
                                                index=True)
    kind: Mapped[EventKind] = mapped_column(_enum(EventKind))
    # The status after this event; set for ISSUED and STATUS entries.
    status: Mapped[CertificateStatus | None] = mapped_column(_enum(CertificateStatus),
                                                             nullable=True)
    effective_date: Mapped[date] = mapped_column(Date, index=True)
    public_reason: Mapped[str] = mapped_column(String(500), default="")
    internal_note: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    issue_number: Mapped[int] = mapped_column(Integer, default=1)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    certificate: Mapped[Certificate] = relationship(back_populates="events")


class Audit(db.Model):
    """An audit of a certified organisation (initial, surveillance, recertification, special)."""

    __tablename__ = "audits"
    __table_args__ = (UniqueConstraint("certificate_id", "audit_type", "audit_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id", ondelete="CASCADE"),
                                                index=True)
    audit_type: Mapped[AuditType] = mapped_column(_enum(AuditType))
    audit_date: Mapped[date] = mapped_column(Date, index=True)
    # Staff who took part (emails): the impartiality rule for complaint handlers reads this.
    auditors: Mapped[list[str]] = mapped_column(JSON, default=list)

    certificate: Mapped[Certificate] = relationship(back_populates="audits")
