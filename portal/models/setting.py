"""Small key/value settings kept in the database (e.g. whether demo data is loaded)."""

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db

# Set to "1" while the demo data set is loaded (every page then says so).
DEMO_SETTING = "demo_data_loaded"


class Setting(db.Model):
    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")
