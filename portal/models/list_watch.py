"""E-mail watch of a whole checked supplier list: one confirmation, one digest per run."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.certificate import Certificate
from portal.models.types import UTCDateTime


class ListWatch(db.Model):
    __tablename__ = "list_watches"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    lang: Mapped[str] = mapped_column(String(8), default="zh")  # language of the e-mails
    # The links' token is HMAC(SECRET_KEY, nonce): every mail can carry the same working links
    # while the database alone (without the key) cannot rebuild them. Looked up by its sha256.
    nonce: Mapped[str] = mapped_column(String(32))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # The newest certificate history entry (any certificate) already covered by a digest.
    last_event_id: Mapped[int] = mapped_column(Integer, default=0)
    # Ids below last_event_id not committed yet when read: {id: epoch seconds first missed}
    # (services/event_cursor.py).
    event_gaps: Mapped[dict[str, float]] = mapped_column(JSON, default=dict,
                                                          server_default=text("'{}'"))

    items: Mapped[list["ListWatchItem"]] = relationship(
        back_populates="watch", cascade="all, delete-orphan", order_by="ListWatchItem.position")

    @property
    def active(self) -> bool:
        return self.confirmed_at is not None and self.unsubscribed_at is None


class ListWatchItem(db.Model):
    """One certificate of a watched list."""

    __tablename__ = "list_watch_items"
    __table_args__ = (UniqueConstraint("list_watch_id", "certificate_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    list_watch_id: Mapped[int] = mapped_column(ForeignKey("list_watches.id", ondelete="CASCADE"),
                                               index=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id", ondelete="CASCADE"),
                                                index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)  # order of the checked list

    watch: Mapped[ListWatch] = relationship(back_populates="items")
    certificate: Mapped[Certificate] = relationship()
