"""Register data in the reader's language: fixed reasons and places by table, the rest marked.

The register stores reasons, provinces and cities in Chinese. On English pages the fixed ones
(the staff pick-list's reasons, the body's standard phrases, every province-level division and
the cities in portal/domain/places.py) appear in English; free text that exists only in
Chinese is shown as it is and marked `lang="zh-CN"` so that screen readers and translators
know. Both helpers return escaped HTML.
"""

from markupsafe import Markup, escape

from portal.domain.places import city_en, province_en
from portal.domain.reasons import english_reason
from portal.i18n import current_lang


def _chinese(text: str) -> Markup:
    return Markup('<span lang="zh-CN">{}</span>').format(text)


def reason_html(text: str | None) -> Markup:
    """A stored public reason, in English on English pages when it is a fixed one."""
    text = (text or "").strip()
    if not text:
        return Markup("")
    if current_lang() != "en":
        return _chinese(text)
    english = english_reason(text)
    if english is None:
        return _chinese(text)
    wording, detail = english
    if detail:
        return Markup('<span lang="en">{}</span>: {}').format(wording, _chinese(detail))
    return Markup('<span lang="en">{}</span>').format(wording)


def place_name(province: str | None, city: str | None = None) -> str:
    """Return "province city" (one name for a municipality) in the page's language as text."""
    province, city = (province or "").strip(), (city or "").strip()
    if current_lang() == "en":
        parts = [city_en(city) or city if city and city != province else "",
                 province_en(province) or province]
        return ", ".join(p for p in parts if p)
    return " ".join(p for p in (province, city if city != province else "") if p)


def place_html(province: str | None, city: str | None = None) -> Markup:
    """A holder's place in the page's language; any part without an English name stays
    Chinese and is marked so."""
    text = place_name(province, city)
    if not text:
        return Markup("")
    return _chinese(text) if not text.isascii() else Markup('<span lang="en">{}</span>').format(
        escape(text))
