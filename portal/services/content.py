"""Public information pages kept as reviewable Markdown files under `content/`.

Each page is one file per language, `content/<slug>.<lang>.md` (`lang` is `zh` or `en`),
starting with a front matter block:

    ---
    title: 如何获得认证
    description: One sentence shown under the title and in search engines.
    last_reviewed: 2026-12-01
    ---

The body is CommonMark with tables; sections start at `##` (the title is the page's `<h1>`).
Raw HTML is not passed through: the rendered HTML is sanitised with nh3 to an allow-list.
"""

import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Final

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markupsafe import Markup

ROOT: Final = Path(__file__).resolve().parent.parent.parent
CONTENT_DIR: Final = ROOT / "content"
LANGS: Final = ("zh", "en")
# slug -> public path; the order is the order of the staff review list.
PAGES: Final = {
    "services": "/services",
    "certification-rules": "/certification-rules",
    "complaints": "/complaints",
    "transparency": "/transparency",
    "about": "/about",
}
_FRONT_MATTER: Final = re.compile(r"\A---\n(.*?)\n---\n", re.DOTALL)
_ALLOWED_TAGS: Final = {
    "h2", "h3", "h4", "p", "br", "hr", "ul", "ol", "li", "a", "strong", "em", "code", "pre",
    "blockquote", "table", "thead", "tbody", "tr", "th", "td", "dl", "dt", "dd", "abbr", "span",
}
_ALLOWED_ATTRIBUTES: Final = {
    "a": {"href", "title", "hreflang"},
    "h2": {"id"}, "h3": {"id"}, "h4": {"id"},
    "th": {"scope", "class"}, "td": {"class"},
    "abbr": {"title"}, "ol": {"start"}, "span": {"lang"},
}
# A run of Chinese characters and punctuation (quoted names on an English page).
_CJK_CHARS: Final = r"\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff01-\uff60"
_CJK_RUN: Final = re.compile(
    rf"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff](?:[{_CJK_CHARS}0-9]*[{_CJK_CHARS}])?")


class ContentError(LookupError):
    """A content page that does not exist or whose file is malformed."""


@dataclass(frozen=True)
class Section:
    anchor: str
    title: str


@dataclass(frozen=True)
class ContentPage:
    slug: str
    lang: str
    title: str
    description: str
    last_reviewed: date | None
    html: Markup
    sections: tuple[Section, ...] = field(default=())
    path: str = ""  # relative to the repository, for the staff review list


def content_lang(locale: str) -> str:
    """Map a Babel locale (`zh_CN`, `en`) to a content file language (`zh`, `en`)."""
    return "en" if str(locale).lower().startswith("en") else "zh"


def page_file(slug: str, lang: str) -> Path:
    return CONTENT_DIR / f"{slug}.{lang}.md"


def _parse_front_matter(text: str, source: Path) -> tuple[dict[str, str], str]:
    match = _FRONT_MATTER.match(text.replace("\r\n", "\n"))
    if not match:
        raise ContentError(f"{source}: line 1: front matter: the file must start with '---'")
    meta: dict[str, str] = {}
    for number, line in enumerate(match.group(1).splitlines(), start=2):
        if not line.strip():
            continue
        key, sep, value = line.partition(":")
        if not sep:
            raise ContentError(f"{source}: line {number}: front matter: expected 'key: value'")
        meta[key.strip()] = value.strip()
    return meta, text.replace("\r\n", "\n")[match.end():]


def _anchor(title: str, used: set[str], number: int) -> str:
    ascii_words = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    anchor = ascii_words if len(ascii_words) >= 3 else f"section-{number}"
    while anchor in used:
        anchor += "-x"
    used.add(anchor)
    return anchor


def _mark_chinese(self: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
    """Render a text run, wrapping Chinese in `<span lang="zh-CN">` on an English page."""
    text = escapeHtml(tokens[idx].content)
    if env.get("lang") != "en":
        return text
    return _CJK_RUN.sub(lambda m: f'<span lang="zh-CN">{m.group(0)}</span>', text)


def _render(body: str, lang: str = "zh") -> tuple[str, tuple[Section, ...]]:
    md = MarkdownIt("commonmark", {"html": False, "typographer": False}).enable("table")
    md.add_render_rule("text", _mark_chinese)
    tokens = md.parse(body)
    sections: list[Section] = []
    used: set[str] = set()
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag in ("h2", "h3"):
            title = tokens[index + 1].content
            anchor = _anchor(title, used, len(used) + 1)
            token.attrSet("id", anchor)
            if token.tag == "h2":
                sections.append(Section(anchor=anchor, title=title))
        if token.type in ("th_open", "td_open"):
            # The CSP forbids inline styles: a right-aligned column becomes class="num".
            style = str(token.attrs.pop("style", ""))
            if "right" in style:
                token.attrSet("class", "num")
        if token.type == "th_open":
            token.attrSet("scope", "col")
    html = md.renderer.render(tokens, md.options, {"lang": lang})
    clean = nh3.clean(html, tags=_ALLOWED_TAGS, attributes=_ALLOWED_ATTRIBUTES,
                      url_schemes={"http", "https", "mailto", "tel"}, link_rel=None)
    return clean, tuple(sections)


@lru_cache(maxsize=64)
def _load(slug: str, lang: str, mtime_ns: int) -> ContentPage:
    source = page_file(slug, lang)
    meta, body = _parse_front_matter(source.read_text(encoding="utf-8"), source)
    for key in ("title", "last_reviewed"):
        if not meta.get(key):
            raise ContentError(f"{source}: front matter: {key}: missing")
    try:
        reviewed = date.fromisoformat(meta["last_reviewed"])
    except ValueError as exc:
        raise ContentError(f"{source}: front matter: last_reviewed: not a YYYY-MM-DD date"
                           ) from exc
    html, sections = _render(body, lang)
    return ContentPage(slug=slug, lang=lang, title=meta["title"],
                       description=meta.get("description", ""), last_reviewed=reviewed,
                       html=Markup(html), sections=sections,  # sanitised by nh3 above
                       path=str(source.relative_to(ROOT)))


def load_page(slug: str, lang: str) -> ContentPage:
    """Return the rendered page `slug` in `lang` (`zh` or `en`), re-read when the file changes.

    Raises:
        ContentError: no such page, or its front matter is malformed.
    """
    if slug not in PAGES or lang not in LANGS:
        raise ContentError(f"no content page {slug!r} in {lang!r}")
    source = page_file(slug, lang)
    try:
        mtime = source.stat().st_mtime_ns
    except FileNotFoundError as exc:
        raise ContentError(f"{source}: missing") from exc
    return _load(slug, lang, mtime)


def review_dates() -> list[dict[str, object]]:
    """List every content file with its public URL, title and last review date (staff view)."""
    rows: list[dict[str, object]] = []
    for slug, url in PAGES.items():
        for lang in LANGS:
            try:
                page = load_page(slug, lang)
            except ContentError:
                rows.append({"url": url, "title": slug, "lang": lang, "slug": slug,
                             "path": str(page_file(slug, lang).relative_to(ROOT)),
                             "last_reviewed": None})
                continue
            rows.append({"url": url + ("?lang=en" if lang == "en" else "?lang=zh"), "slug": slug,
                         "title": page.title, "lang": lang, "path": page.path,
                         "last_reviewed": page.last_reviewed})
    return rows
