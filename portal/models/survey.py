"""Customer-satisfaction surveys after audits, their follow-ups and phone spot checks (#16)."""

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.types import UTCDateTime


class SurveyInvitation(db.Model):
    """An invitation to rate one audit; its link is signed and may be answered once.

    What the survey is about (scheme, audit type and date, team) is copied here when it is
    issued, so results stay put when the register is corrected later.
    """

    __tablename__ = "survey_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int | None] = mapped_column(ForeignKey("audits.id", ondelete="SET NULL"),
                                                 nullable=True, index=True)
    certificate_id: Mapped[int | None] = mapped_column(
        ForeignKey("certificates.id", ondelete="SET NULL"), nullable=True, index=True)
    certificate_number: Mapped[str] = mapped_column(String(64))
    scheme: Mapped[str] = mapped_column(String(24), index=True)
    audit_type: Mapped[str] = mapped_column(String(24))
    audit_date: Mapped[date] = mapped_column(Date, index=True)
    team: Mapped[list[str]] = mapped_column(JSON, default=list)  # auditors' e-mails
    nonce: Mapped[str] = mapped_column(String(32), unique=True)  # signed into the link
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    lang: Mapped[str] = mapped_column(String(2), default="zh")
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    issued_by: Mapped[str] = mapped_column(String(254))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)

    response: Mapped["SurveyResponse | None"] = relationship(
        back_populates="invitation", cascade="all, delete-orphan", uselist=False)

    @property
    def team_label(self) -> str:
        return ", ".join(sorted(self.team or [])) or "—"


class SurveyResponse(db.Model):
    """The answer to one invitation: scores 1–5, comments, permission to be contacted."""

    __tablename__ = "survey_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(
        ForeignKey("survey_invitations.id", ondelete="CASCADE"), unique=True)
    overall: Mapped[int] = mapped_column(Integer)
    competence: Mapped[int] = mapped_column(Integer)
    impartiality: Mapped[int] = mapped_column(Integer)
    communication: Mapped[int] = mapped_column(Integer)
    punctuality: Mapped[int] = mapped_column(Integer)
    findings: Mapped[int] = mapped_column(Integer)
    comments: Mapped[str] = mapped_column(Text, default="")
    may_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    lang: Mapped[str] = mapped_column(String(2), default="zh")
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)

    invitation: Mapped[SurveyInvitation] = relationship(back_populates="response")


class PhoneCheck(db.Model):
    """A phone spot check of an audited organisation (the report: 42 in 2020)."""

    __tablename__ = "survey_phone_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int | None] = mapped_column(ForeignKey("audits.id", ondelete="SET NULL"),
                                                 nullable=True, index=True)
    certificate_number: Mapped[str] = mapped_column(String(64))
    scheme: Mapped[str] = mapped_column(String(24))
    audit_date: Mapped[date] = mapped_column(Date)
    called_on: Mapped[date] = mapped_column(Date, index=True)
    person_reached: Mapped[str] = mapped_column(String(200), default="")
    overall: Mapped[int] = mapped_column(Integer)
    notes: Mapped[str] = mapped_column(Text, default="")
    called_by: Mapped[str] = mapped_column(String(254))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)


class SurveyFollowUp(db.Model):
    """A low score (≤ 2) to look into; closed only with a note of what was done."""

    __tablename__ = "survey_follow_ups"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int | None] = mapped_column(
        ForeignKey("survey_responses.id", ondelete="CASCADE"), nullable=True, unique=True)
    phone_check_id: Mapped[int | None] = mapped_column(
        ForeignKey("survey_phone_checks.id", ondelete="CASCADE"), nullable=True, unique=True)
    aspects: Mapped[list[str]] = mapped_column(JSON, default=list)  # the low ones
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    closed_by: Mapped[str] = mapped_column(String(254), default="")
    note: Mapped[str] = mapped_column(Text, default="")

    response: Mapped[SurveyResponse | None] = relationship()
    phone_check: Mapped[PhoneCheck | None] = relationship()
