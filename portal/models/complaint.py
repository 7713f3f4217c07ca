"""Complaints, appeals and counterfeit reports (issue #5)."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Enum, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.domain.complaints import (
    ComplaintAbout,
    ComplaintKind,
    ComplaintStage,
    FakeReportKind,
    FakeReportStatus,
)
from portal.extensions import db
from portal.models.types import UTCDateTime


def _enum(cls: type[StrEnum], length: int = 32) -> Enum:
    return Enum(cls, native_enum=False, length=length, validate_strings=True,
                values_callable=lambda e: [m.value for m in e])


class ComplaintCounter(db.Model):
    """The last reference number handed out in a year; locked while a complaint is filed."""

    __tablename__ = "complaint_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_value: Mapped[int] = mapped_column(Integer, default=0)


class Complaint(db.Model):
    """A complaint or appeal, from filing to closing."""

    __tablename__ = "complaints"
    __table_args__ = (UniqueConstraint("year", "sequence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True, index=True)
    year: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer)
    tracking_code_hash: Mapped[str] = mapped_column(String(64))
    kind: Mapped[ComplaintKind] = mapped_column(_enum(ComplaintKind))
    about: Mapped[ComplaintAbout] = mapped_column(_enum(ComplaintAbout))
    # The number as the register spells it (or as typed when not found).
    certificate_number: Mapped[str] = mapped_column(String(64), default="")
    certificate_id: Mapped[int | None] = mapped_column(
        ForeignKey("certificates.id", ondelete="SET NULL"), nullable=True, index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str] = mapped_column(String(40), default="")
    subject: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    lang: Mapped[str] = mapped_column(String(2), default="zh")  # language of e-mails to send
    stage: Mapped[ComplaintStage] = mapped_column(_enum(ComplaintStage), index=True)
    handler_email: Mapped[str] = mapped_column(String(254), default="")
    decided_by: Mapped[str] = mapped_column(String(254), default="")
    # The case an appeal contests (linked by staff), whose decider may not decide the appeal.
    appeal_of_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id"), nullable=True)
    outcome: Mapped[str] = mapped_column(Text, default="")  # published to the complainant
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    investigation_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(),
                                                                      nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True, index=True)
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    events: Mapped[list["ComplaintEvent"]] = relationship(
        back_populates="complaint", order_by="(ComplaintEvent.at, ComplaintEvent.id)",
        cascade="all, delete-orphan")
    attachments: Mapped[list["ComplaintAttachment"]] = relationship(
        back_populates="complaint", order_by="ComplaintAttachment.id",
        cascade="all, delete-orphan")
    certificate = relationship("Certificate")
    appeal_of: Mapped["Complaint | None"] = relationship(remote_side=[id])

    @property
    def public_events(self) -> list["ComplaintEvent"]:
        """Events the complainant may see (stage changes and messages to them)."""
        return [e for e in self.events if e.public]

    def __repr__(self) -> str:
        return f"<Complaint {self.reference} {self.stage}>"


class ComplaintEventKind(StrEnum):
    STAGE = "stage"  # moved to `stage`; `text` is what the complainant was told, if anything
    ASSIGNED = "assigned"  # handler assigned
    ACTION = "action"  # an investigation step (public when told to the complainant)
    NOTE = "note"  # internal note, never shown publicly
    LINKED = "linked"  # an appeal linked to the case it contests
    EXPORTED = "exported"  # the complainant's data exported on request
    PURGED = "purged"  # personal data removed after the retention period


class ComplaintEvent(db.Model):
    """One append-only entry of a case's record; `public` ones appear on the tracker."""

    __tablename__ = "complaint_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id", ondelete="CASCADE"),
                                              index=True)
    kind: Mapped[ComplaintEventKind] = mapped_column(_enum(ComplaintEventKind))
    stage: Mapped[ComplaintStage | None] = mapped_column(_enum(ComplaintStage), nullable=True)
    public: Mapped[bool] = mapped_column(default=False)
    text: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(254))
    at: Mapped[datetime] = mapped_column(UTCDateTime())

    complaint: Mapped[Complaint] = relationship(back_populates="events")


class ComplaintAttachment(db.Model):
    """A file sent with a complaint, stored under UPLOAD_DIR (never under static/)."""

    __tablename__ = "complaint_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id", ondelete="CASCADE"),
                                              index=True)
    filename: Mapped[str] = mapped_column(String(200))  # the sender's name for it, cleaned
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    stored_name: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    complaint: Mapped[Complaint] = relationship(back_populates="attachments")


class FakeReport(db.Model):
    """A report of a suspected counterfeit certificate or look-alike verification site."""

    __tablename__ = "fake_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[FakeReportKind] = mapped_column(_enum(FakeReportKind))
    certificate_number: Mapped[str] = mapped_column(String(64), default="")
    url: Mapped[str] = mapped_column(String(500), default="")
    description: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    lang: Mapped[str] = mapped_column(String(2), default="zh")
    photo_filename: Mapped[str] = mapped_column(String(200), default="")
    photo_content_type: Mapped[str] = mapped_column(String(40), default="")
    photo_size: Mapped[int] = mapped_column(Integer, default=0)
    photo_stored_name: Mapped[str] = mapped_column(String(120), default="")
    status: Mapped[FakeReportStatus] = mapped_column(_enum(FakeReportStatus), index=True)
    triage_note: Mapped[str] = mapped_column(Text, default="")
    handled_by: Mapped[str] = mapped_column(String(254), default="")
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id", ondelete="SET NULL"),
                                                 nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)

    alert = relationship("Alert")
