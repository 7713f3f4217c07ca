"""Template context shared by every page: demo marker, dates, language switch."""

from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from flask import Flask, request
from flask_babel import format_date, format_datetime, format_decimal
from sqlalchemy.exc import SQLAlchemyError

from portal import clock, data_language
from portal.extensions import db
from portal.models import Setting
from portal.models.setting import DEMO_SETTING
from portal.render_cache import LIVE_NOW, LiveNow, now_placeholder, rendering_for_cache
from portal.verify import text as verdict_text


def demo_loaded() -> bool:
    """Tell whether the demo data set is loaded (every page then says so)."""
    try:
        row = db.session.get(Setting, DEMO_SETTING)
    except SQLAlchemyError:
        db.session.rollback()
        return False
    return bool(row and row.value == "1")


def lang_url(lang: str) -> str:
    """Return the current URL with `lang` set (for the language switch)."""
    args = request.args.to_dict(flat=True)
    args["lang"] = lang
    return request.path + "?" + urlencode(args)


def fmt_date(value: date | None, style: str = "long") -> str:
    """Format a date for the current language (2026年11月24日 / November 24, 2026)."""
    if value is None:
        return ""
    return format_date(value, style)


def fmt_datetime(value: datetime | None, style: str = "medium") -> str:
    """Format a timestamp in China Standard Time for the current language."""
    if value is None:
        return ""
    if isinstance(value, LiveNow):  # rendered once for many responses: filled in per response
        return now_placeholder(style)
    return format_datetime(value, style)


def fmt_number(value: Any) -> str:
    """Format a number for the current language."""
    return format_decimal(value)


def init_app(app: Flask) -> None:
    """Register template globals and filters."""
    app.jinja_env.filters.update(date=fmt_date, datetime=fmt_datetime, number=fmt_number,
                                 reissue_cause=verdict_text.reissue_cause)
    app.jinja_env.globals.update(verdict_text.template_helpers())
    app.jinja_env.globals.update(lang_url=lang_url)
    app.jinja_env.globals.update(reason_html=data_language.reason_html,
                                 place_html=data_language.place_html,
                                 place_name=data_language.place_name)

    @app.context_processor
    def _context() -> dict[str, Any]:
        return {"is_demo": demo_loaded(), "today": clock.today(), "now": LIVE_NOW if rendering_for_cache() else clock.utcnow(),
                "config": app.config}
