"""Webhooks: signed HTTP calls to an organisation's system when certificates change (#15)."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.types import UTCDateTime


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # waiting for its (next) attempt
    DELIVERED = "delivered"  # the receiver answered 2xx
    GIVEN_UP = "given_up"  # every retry failed; kept in the log


class Webhook(db.Model):
    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))  # contact; gets the confirmation link
    url: Mapped[str] = mapped_column(String(500))
    # Certificate numbers to report; empty: every public (non-restricted) certificate.
    certificate_numbers: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Secret and link token are HMAC(SECRET_KEY, nonce): shown again on the manage page, yet
    # not readable from the database alone. The link token is looked up by its sha256.
    nonce: Mapped[str] = mapped_column(String(32))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # The newest certificate history entry already turned into deliveries (the change-log
    # cursor, moved in the same transaction as the deliveries it produced).
    last_event_id: Mapped[int] = mapped_column(Integer, default=0)
    # Ids below last_event_id not committed yet when read: {id: epoch seconds first missed}
    # (services/event_cursor.py).
    event_gaps: Mapped[dict[str, float]] = mapped_column(JSON, default=dict,
                                                          server_default=text("'{}'"))

    deliveries: Mapped[list["WebhookDelivery"]] = relationship(
        back_populates="webhook", cascade="all, delete-orphan",
        order_by="WebhookDelivery.id.desc()")

    @property
    def active(self) -> bool:
        return self.confirmed_at is not None and self.disabled_at is None


class WebhookDelivery(db.Model):
    """One event for one webhook: the delivery log staff and the organisation can read."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (UniqueConstraint("webhook_id", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"),
                                            index=True)
    event_id: Mapped[int] = mapped_column(Integer)  # certificate_events.id: the idempotency key
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[DeliveryStatus] = mapped_column(
        Enum(DeliveryStatus, native_enum=False, length=16, validate_strings=True,
             values_callable=lambda e: [m.value for m in e]), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    webhook: Mapped[Webhook] = relationship(back_populates="deliveries")
