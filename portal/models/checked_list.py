"""A bulk-check result kept for a short time, so the page's downloads need no second upload."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.types import UTCDateTime


class CheckedList(db.Model):
    __tablename__ = "checked_lists"

    id: Mapped[int] = mapped_column(primary_key=True)
    # sha256 of the unguessable token in the download links; the token itself is not stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    # The result table exactly as the page showed it (see services/checked_lists.snapshot).
    rows: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
