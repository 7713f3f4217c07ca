"""The portal's notion of "now" and "today" (China Standard Time for dates)."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    """Return the current UTC-aware time."""
    return datetime.now(UTC)


def today() -> date:
    """Return today's date in Shanghai, the date certificates are dated in."""
    return datetime.now(CHINA).date()
