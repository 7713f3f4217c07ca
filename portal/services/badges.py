"""The live status badge certified organisations embed on their websites."""

import unicodedata
from typing import Final

# White text on these passes WCAG AA (≥ 4.5:1); they match the status colours of site.css.
STATUS_COLOURS: Final = {
    "valid": "#1d6b35", "suspended": "#8a4b00", "withdrawn": "#a11a1a",
    "cancelled": "#4a4f57", "expired": "#6b3d00", "not_found": "#4a4f57",
}
LABEL_COLOUR: Final = "#1b2430"
ICONS: Final = {"valid": "✓", "suspended": "‖", "withdrawn": "✕", "cancelled": "–",
                "expired": "⌛", "not_found": "?"}
FONT_SIZE: Final = 11
HEIGHT: Final = 20
PADDING: Final = 6


def _escape(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&#39;"))


def text_width(text: str) -> int:
    """Estimate the width of `text` at 11 px (wide CJK characters count as a full em)."""
    total = 0.0
    for ch in text:
        if unicodedata.east_asian_width(ch) in ("W", "F"):
            total += 1.0
        elif ch.isupper() or ch.isdigit():
            total += 0.66
        elif ch == " ":
            total += 0.33
        else:
            total += 0.56
    return int(total * FONT_SIZE + 0.5)


def badge_svg(*, label: str, status: str, status_text: str, title: str, lang: str) -> bytes:
    """Return a two-part badge: `label` on dark grey, the status in its colour and words."""
    value = f"{ICONS[status]} {status_text}"
    left = text_width(label) + 2 * PADDING
    right = text_width(value) + 2 * PADDING
    width = left + right
    colour = STATUS_COLOURS[status]
    baseline = 14
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{HEIGHT}" '
        f'viewBox="0 0 {width} {HEIGHT}" role="img" aria-label="{_escape(title)}" '
        f'xml:lang="{lang}">'
        f"<title>{_escape(title)}</title>"
        f'<rect width="{left}" height="{HEIGHT}" rx="3" fill="{LABEL_COLOUR}"/>'
        f'<rect x="{left}" width="{right}" height="{HEIGHT}" rx="3" fill="{colour}"/>'
        f'<rect x="{left - 3}" width="6" height="{HEIGHT}" fill="{colour}"/>'
        f'<g fill="#fff" font-family="Verdana,DejaVu Sans,Noto Sans CJK SC,PingFang SC,'
        f'Microsoft YaHei,sans-serif" font-size="{FONT_SIZE}">'
        f'<text x="{PADDING}" y="{baseline}">{_escape(label)}</text>'
        f'<text x="{left + PADDING}" y="{baseline}" font-weight="bold" '
        f'data-status="{status}">{_escape(value)}</text></g></svg>'
    )
    return svg.encode()
