"""Certification applications and quote requests (issue #16), with their reviews and record."""

from datetime import date, datetime
from enum import StrEnum

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

from portal.domain.applications import (
    ApplicationStage,
    ConflictRelation,
    DeclineReason,
    RequestKind,
    ReviewKind,
    ReviewOutcome,
)
from portal.extensions import db
from portal.models.types import UTCDateTime


def _enum(cls: type[StrEnum], length: int = 32) -> Enum:
    return Enum(cls, native_enum=False, length=length, validate_strings=True,
                values_callable=lambda e: [m.value for m in e])


class ApplicationCounter(db.Model):
    """The last reference number handed out in a year; locked while an application is filed."""

    __tablename__ = "application_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_value: Mapped[int] = mapped_column(Integer, default=0)


class Application(db.Model):
    """An application for certification (or a quote request), from filing to closing."""

    __tablename__ = "applications"
    __table_args__ = (UniqueConstraint("year", "sequence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True, index=True)
    year: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer)
    tracking_code_hash: Mapped[str] = mapped_column(String(64))
    request_kind: Mapped[RequestKind] = mapped_column(_enum(RequestKind))
    schemes: Mapped[list[str]] = mapped_column(JSON, default=list)
    organisation_name_zh: Mapped[str] = mapped_column(String(300))
    organisation_name_en: Mapped[str] = mapped_column(String(300), default="")
    credit_code: Mapped[str] = mapped_column(String(18), index=True)
    address: Mapped[str] = mapped_column(String(500))
    headcount: Mapped[int] = mapped_column(Integer)
    shifts: Mapped[int] = mapped_column(Integer)
    scope: Mapped[str] = mapped_column(Text)
    standard: Mapped[str] = mapped_column(String(200), default="")
    transfer_body: Mapped[str] = mapped_column(String(200), default="")
    transfer_certificate_number: Mapped[str] = mapped_column(String(64), default="")
    transfer_expiry: Mapped[date | None] = mapped_column(Date, nullable=True)
    contact_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str] = mapped_column(String(40))
    notes: Mapped[str] = mapped_column(Text, default="")
    lang: Mapped[str] = mapped_column(String(2), default="zh")  # language of e-mails
    stage: Mapped[ApplicationStage] = mapped_column(_enum(ApplicationStage), index=True)
    decline_reason: Mapped[DeclineReason | None] = mapped_column(_enum(DeclineReason),
                                                                 nullable=True)
    answer: Mapped[str] = mapped_column(Text, default="")  # the quote, acceptance or refusal text
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    review_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    contract_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True, index=True)
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)

    sites: Mapped[list["ApplicationSite"]] = relationship(
        back_populates="application", order_by="ApplicationSite.position",
        cascade="all, delete-orphan")
    events: Mapped[list["ApplicationEvent"]] = relationship(
        back_populates="application", order_by="(ApplicationEvent.at, ApplicationEvent.id)",
        cascade="all, delete-orphan")
    reviews: Mapped[list["ApplicationReview"]] = relationship(
        back_populates="application", order_by="ApplicationReview.id",
        cascade="all, delete-orphan")
    attachments: Mapped[list["ApplicationAttachment"]] = relationship(
        back_populates="application", order_by="ApplicationAttachment.id",
        cascade="all, delete-orphan")

    @property
    def public_events(self) -> list["ApplicationEvent"]:
        """Events the applicant may see (stage changes and messages to them)."""
        return [e for e in self.events if e.public]

    def review(self, kind: ReviewKind | str) -> "ApplicationReview | None":
        """Return the review of `kind`, if assigned or recorded."""
        return next((r for r in self.reviews if r.kind == ReviewKind(kind)), None)

    def __repr__(self) -> str:
        return f"<Application {self.reference} {self.stage}>"


class ApplicationSite(db.Model):
    """Another site of the applicant, with its headcount and number of shifts."""

    __tablename__ = "application_sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    address: Mapped[str] = mapped_column(String(500))
    headcount: Mapped[int] = mapped_column(Integer)
    shifts: Mapped[int] = mapped_column(Integer)

    application: Mapped[Application] = relationship(back_populates="sites")


class ApplicationEventKind(StrEnum):
    STAGE = "stage"  # moved to `stage`; `text` is what the applicant was told
    ASSIGNED = "assigned"  # a reviewer assigned (text: review kind and e-mail)
    REVIEW = "review"  # a review recorded (text: the reviewer's note, internal)
    NOTE = "note"  # internal note
    CONFLICT = "conflict"  # a staff member's declared tie to the organisation
    PURGED = "purged"  # personal data removed after the retention period


class ApplicationEvent(db.Model):
    """One append-only entry of an application's record; `public` ones appear on the tracker."""

    __tablename__ = "application_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ApplicationEventKind] = mapped_column(_enum(ApplicationEventKind))
    stage: Mapped[ApplicationStage | None] = mapped_column(_enum(ApplicationStage),
                                                           nullable=True)
    public: Mapped[bool] = mapped_column(default=False)
    text: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(254))
    at: Mapped[datetime] = mapped_column(UTCDateTime())

    application: Mapped[Application] = relationship(back_populates="events")


class ApplicationReview(db.Model):
    """One of the three reviews: who was assigned, who recorded it, when, and the outcome."""

    __tablename__ = "application_reviews"
    __table_args__ = (UniqueConstraint("application_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ReviewKind] = mapped_column(_enum(ReviewKind))
    reviewer_email: Mapped[str] = mapped_column(String(254), default="")
    assigned_by: Mapped[str] = mapped_column(String(254), default="")
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    outcome: Mapped[ReviewOutcome | None] = mapped_column(_enum(ReviewOutcome), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    reviewed_by: Mapped[str] = mapped_column(String(254), default="")
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    application: Mapped[Application] = relationship(back_populates="reviews")


class ApplicationAttachment(db.Model):
    """A file sent with an application, stored under UPLOAD_DIR (never under static/)."""

    __tablename__ = "application_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    stored_name: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    application: Mapped[Application] = relationship(back_populates="attachments")


class ConflictDeclaration(db.Model):
    """A staff member's tie to an organisation (consultancy, employment), by credit code.

    Read by the impartiality check with the audits and certification decisions of the
    organisation's certificates.
    """

    __tablename__ = "conflict_declarations"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    credit_code: Mapped[str] = mapped_column(String(18), index=True)
    relation: Mapped[ConflictRelation] = mapped_column(_enum(ConflictRelation))
    note: Mapped[str] = mapped_column(Text, default="")
    declared_by: Mapped[str] = mapped_column(String(254))
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime())
