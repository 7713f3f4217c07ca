"""Verification receipts for tenders (issue #3): what the register said, when, with its hash."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.certificate import Certificate
from portal.models.types import UTCDateTime


class Receipt(db.Model):
    """A frozen copy of a certificate's public record, reopened later to see what changed."""

    __tablename__ = "verification_receipts"

    # Random and unguessable (12 characters of a 31-letter alphabet, about 59 bits).
    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    certificate_id: Mapped[int] = mapped_column(
        ForeignKey("certificates.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # SHA-256 (hex) of the canonical JSON of `snapshot`.
    content_hash: Mapped[str] = mapped_column(String(64))
    # The register's fields (services.certificates.snapshot) plus `public_status` that day.
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)

    certificate: Mapped[Certificate] = relationship()

    def __repr__(self) -> str:
        return f"<Receipt {self.id} {self.content_hash[:12]}>"
