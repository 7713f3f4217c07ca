"""A horizontal grouped bar chart as inline SVG, drawn on the server (no JavaScript, no CDN).

The chart is one column wide: each group's label sits on its own wrapped lines above its bars,
so the drawing stays readable when the SVG is scaled to a 390 px phone. Every value is
written next to its bar with the series' short name, so the series never differ by colour
alone. All text is escaped with markupsafe; callers pass already translated labels.
"""

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

from markupsafe import Markup, escape

WIDTH: Final = 360  # ≈ the width of a 390 px phone's column, so 14 units ≈ 14 px
PAD: Final = 8
FONT: Final = 14
LINE: Final = 18
BAR: Final = 16
BAR_GAP: Final = 4
GROUP_GAP: Final = 16
VALUE_AREA: Final = 96  # room right of the longest bar for its value label
INK: Final = "#1b2430"
ON_BAR: Final = "#ffffff"  # value text inside a bar too long to leave room after it
_TOKENS: Final = re.compile(r"\s+|[^\s\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]+|\S")


@dataclass(frozen=True)
class Series:
    label: str  # in the legend, e.g. "Valid certificates"
    short: str  # before each value, e.g. "Valid"
    fill: str  # at least 3:1 against white (WCAG 1.4.11)


@dataclass(frozen=True)
class Group:
    label: str
    values: tuple[int, ...]  # one per series


def text_width(text: str, size: float = FONT) -> float:
    """Estimate the rendered width of `text`: wide (CJK) characters are 1 em, others 0.6 em."""
    return sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.6 for ch in text) * size


def wrap(text: str, width: float, size: float = FONT) -> list[str]:
    """Break `text` into lines at most `width` wide: at spaces, or between CJK characters."""
    lines: list[str] = []
    line = ""
    for token in _TOKENS.findall(text):
        if token.isspace():
            if line:
                line += " "
            continue
        if line and text_width(line + token, size) > width:
            lines.append(line.rstrip())
            line = token
        else:
            line += token
    if line.strip():
        lines.append(line.rstrip())
    return lines or [""]


def _text(x: float, y: float, content: str, **attributes: str) -> str:
    extra = "".join(f' {name.replace("_", "-")}="{escape(value)}"'
                    for name, value in attributes.items())
    return f'<text x="{x:g}" y="{y:g}"{extra}>{escape(content)}</text>'


def grouped_bar_chart(*, title: str, description: str, groups: Sequence[Group],
                      series: Sequence[Series], fmt: Callable[[int], str] = str,
                      chart_id: str = "chart") -> Markup:
    """Return an accessible SVG bar chart: `role="img"` named by its `<title>` and `<desc>`."""
    if any(len(group.values) != len(series) for group in groups):
        raise ValueError("every group needs one value per series")
    top = max((v for group in groups for v in group.values), default=0) or 1
    plot = WIDTH - 2 * PAD - VALUE_AREA
    label_width = WIDTH - 2 * PAD
    parts: list[str] = []
    y = float(PAD)

    for item in series:  # the legend: one line per series, swatch then label
        parts.append(f'<rect x="{PAD}" y="{y + 2:g}" width="{BAR}" height="{BAR - 4}" '
                     f'fill="{escape(item.fill)}"/>')
        lines = wrap(item.label, label_width - BAR - 8)
        for number, line in enumerate(lines):
            parts.append(_text(PAD + BAR + 8, y + 13 + number * LINE, line, fill=INK))
        y += LINE * len(lines) + 2
    y += GROUP_GAP / 2

    for group in groups:
        for line in wrap(group.label, label_width):
            parts.append(_text(PAD, y + 14, line, fill=INK, font_weight="600"))
            y += LINE
        y += 4
        for item, value in zip(series, group.values, strict=True):
            length = value / top * plot
            if value > 0:
                length = max(length, 2.0)  # a count of 1 must still show a bar
                parts.append(f'<rect x="{PAD}" y="{y:g}" width="{length:.1f}" height="{BAR}" '
                             f'fill="{escape(item.fill)}"/>')
            label = f"{item.short} {fmt(value)}"
            if PAD + length + 6 + text_width(label) <= WIDTH:
                parts.append(_text(PAD + length + 6, y + BAR - 3, label, fill=INK))
            else:
                parts.append(_text(PAD + length - 6, y + BAR - 3, label, fill=ON_BAR,
                                   text_anchor="end"))
            y += BAR + BAR_GAP
        y += GROUP_GAP
    height = round(y - GROUP_GAP + PAD)

    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart_id)}" '
            f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" role="img" '
            f'aria-labelledby="{escape(title_id)} {escape(desc_id)}" font-size="{FONT}">'
            f'<title id="{escape(title_id)}">{escape(title)}</title>'
            f'<desc id="{escape(desc_id)}">{escape(description)}</desc>')
    return Markup(head + "".join(parts) + "</svg>")
