"""Review confirmations of the public information pages, kept in the database.

A page's text and its review date live in `content/<slug>.<lang>.md` and change by review and
deploy. When staff check a page and find it still right, they confirm the review in the back
office: the date (and who confirmed it) is stored here and audited, and the page shows the
later of the two dates. No file is written by the web application.
"""

from dataclasses import replace
from datetime import date, datetime

from sqlalchemy.exc import SQLAlchemyError

from portal.extensions import db
from portal.models import Setting
from portal.services import audit_log, content
from portal.services.content import PAGES, ContentError, ContentPage


def _key(slug: str, lang: str) -> str:
    return f"content_reviewed:{slug}:{lang}"


def recorded_review(slug: str, lang: str) -> tuple[date, str] | None:
    """Return (date, staff e-mail) of the last review confirmed in the back office, if any."""
    try:
        row = db.session.get(Setting, _key(slug, lang))
    except SQLAlchemyError:  # the information pages stay readable while the database is down
        db.session.rollback()
        return None
    if row is None or "|" not in row.value:
        return None
    day, _, actor = row.value.partition("|")
    try:
        return date.fromisoformat(day), actor
    except ValueError:
        return None


def _effective(file_date: date | None, recorded: tuple[date, str] | None) -> date | None:
    if recorded is None:
        return file_date
    return recorded[0] if file_date is None or recorded[0] > file_date else file_date


def reviewed_page(slug: str, lang: str) -> ContentPage:
    """Load content page `slug` with the later of its file's and its confirmed review date.

    Raises:
        ContentError: no such page, or its file is missing or malformed.
    """
    page = content.load_page(slug, lang)
    return replace(page, last_reviewed=_effective(page.last_reviewed,
                                                  recorded_review(slug, lang)))


def review_list() -> list[dict[str, object]]:
    """List every content page with its effective review date and who confirmed it."""
    rows = []
    for row in content.review_dates():
        recorded = recorded_review(str(row["slug"]), str(row["lang"]))
        file_date = row["last_reviewed"]
        rows.append({**row, "file_reviewed": file_date,
                     "last_reviewed": _effective(file_date, recorded)
                     if isinstance(file_date, date) else None,
                     "confirmed_by": recorded[1] if recorded else ""})
    return rows


def confirm_review(slug: str, lang: str, *, actor: str, now: datetime, today: date) -> date:
    """Record that `actor` reviewed page `slug` in `lang` today and found it right (commits).

    Raises:
        ContentError: no such page, or its file is missing or malformed (nothing is stored).
    """
    page = content.load_page(slug, lang)  # refuses unknown pages and broken files
    previous = _effective(page.last_reviewed, recorded_review(slug, lang))
    row = db.session.get(Setting, _key(slug, lang))
    if row is None:
        row = Setting(key=_key(slug, lang), value="")
        db.session.add(row)
    row.value = f"{today.isoformat()}|{actor}"
    audit_log.record(actor=actor, action="content.review", entity_type="content_page",
                     entity_id=f"{slug}.{lang}",
                     before={"last_reviewed": previous.isoformat() if previous else None},
                     after={"last_reviewed": today.isoformat(), "file": page.path},
                     now=now)
    db.session.commit()
    return today


__all__ = ["PAGES", "ContentError", "confirm_review", "recorded_review", "review_list", "reviewed_page"]
