"""Check the translation catalogs against the code: `python -m portal.i18n_check`.

Strings are written in English in the code (`_("…")`, `_l("…")`); each other language has one
catalog, `portal/translations/<lang>/LC_MESSAGES/messages.po` (Flask-Babel's layout). The cycle
is babel's own: `make extract-messages` (pybabel extract per babel.cfg into messages.pot),
`make update-messages` (pybabel update: new msgids land untranslated in every catalog, gone ones
become `#~` obsolete entries), translate by hand, `make translations` (pybabel compile).

This module extracts the same way (babel's extractor, the method map of babel.cfg, the keywords
of the Makefile's `pybabel extract -k …`) and reports every msgid that a catalog lacks, leaves
untranslated or fuzzy, or defines twice.
"""

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.pofile import PoFileParser

from portal.config import DefaultConfig

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "portal" / "translations"
BABEL_CFG = ROOT / "babel.cfg"
# The keywords beside babel's defaults (`_`, `gettext`, `ngettext`, …); the Makefile's
# extract-messages passes the same as `-k` (tests/unit/test_translations.py checks they agree).
EXTRA_KEYWORDS = ("_l", "lazy_gettext", "lazy_ngettext:1,2")
SOURCE_LANGUAGE = "en"

Key = tuple[str, str | None]  # (msgid, msgctxt); a plural message is keyed by its singular


def catalog_path(locale: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"


def catalog_files() -> list[Path]:
    """Every .po file under portal/translations (one per language when all is well)."""
    return sorted(TRANSLATIONS.rglob("*.po"))


def _key(message_id: Any, context: str | None) -> Key:
    return (message_id[0] if isinstance(message_id, (tuple, list)) else message_id, context)


def extracted() -> Catalog:
    """Return the template babel extracts from the code and templates per babel.cfg."""
    with BABEL_CFG.open(encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh, str(BABEL_CFG))
    keywords = {**DEFAULT_KEYWORDS, **parse_keywords(list(EXTRA_KEYWORDS))}
    template = Catalog(project="portal")
    for filename, lineno, message, comments, context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=keywords):
        template.add(message, None, [(filename, lineno)], auto_comments=comments,
                     context=context)
    return template


class _RecordingCatalog(Catalog):
    """A catalog that remembers each msgid it is given more than once (babel merges silently)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.lines: dict[Key, list[int]] = {}

    def __setitem__(self, id: Any, message: Message) -> None:
        if id:
            self.lines.setdefault(_key(id, message.context), []).append(message.lineno or 0)
        super().__setitem__(id, message)


def read_catalog(path: Path, locale: str) -> _RecordingCatalog:
    catalog = _RecordingCatalog(locale=locale)
    with path.open("rb") as fh:
        PoFileParser(catalog).parse(fh)
    return catalog


def languages() -> list[str]:
    """The languages that need a catalog: every one of `LANGUAGES` but the code's English."""
    return [lang for lang in DefaultConfig.LANGUAGES if lang != SOURCE_LANGUAGE]


def duplicates(locale: str) -> dict[str, list[str]]:
    """Return {msgid: ["file:line", …]} for every msgid defined more than once for `locale`,
    in one catalog or across several (where only one of them would be shown)."""
    seen: dict[Key, list[str]] = {}
    for path in catalog_files():
        if locale not in path.relative_to(TRANSLATIONS).parts:
            continue
        for key, lines in read_catalog(path, locale).lines.items():
            seen.setdefault(key, []).extend(f"{path.relative_to(ROOT)}:{n}" for n in lines)
    return {key[0]: where for key, where in seen.items() if len(where) > 1}


def _problem(wanted: Message, have: Message | None) -> str | None:
    if have is None:
        return "missing"
    if have.fuzzy:
        return "fuzzy"
    if wanted.pluralizable != have.pluralizable or (
            wanted.pluralizable and tuple(wanted.id) != tuple(have.id)):
        return "plural forms differ from the code"
    strings = have.string if isinstance(have.string, (tuple, list)) else (have.string,)
    if not all(strings):
        return "untranslated"
    return None


def missing(locale: str) -> dict[str, list[str]]:
    """Return {msgid: [problem, "file:line", …]} for every msgid of the code and templates that
    `locale`'s catalog lacks, leaves untranslated or fuzzy, or has with other plural forms."""
    path = catalog_path(locale)
    catalog = read_catalog(path, locale) if path.exists() else Catalog(locale=locale)
    out: dict[str, list[str]] = {}
    for wanted in extracted():
        if not wanted.id:
            continue
        problem = _problem(wanted, catalog.get(wanted.id, wanted.context))
        if problem:
            key = _key(wanted.id, wanted.context)[0]
            out[key] = [problem, *(f"{f}:{n}" for f, n in wanted.locations)]
    return out


def translated(locale: str) -> dict[str, str]:
    """Return {msgid: translation} for every translated, non-fuzzy message of `locale`
    (each plural message once, by its singular and first form)."""
    path = catalog_path(locale)
    if not path.exists():
        return {}
    out: dict[str, str] = {}
    for message in read_catalog(path, locale):
        if not message.id or message.fuzzy:
            continue
        text = message.string[0] if isinstance(message.string, (tuple, list)) else message.string
        if text:
            out[_key(message.id, message.context)[0]] = text
    return out


def report() -> Iterator[str]:
    files = catalog_files()
    expected = {catalog_path(lang) for lang in languages()}
    for path in files:
        if path not in expected:
            yield f"{path.relative_to(ROOT)}: not a catalog of the one-per-language layout"
    for lang in languages():
        for msgid, where in duplicates(lang).items():
            yield f"{', '.join(where)}: {msgid!r} defined {len(where)} times"
        for msgid, (problem, *where) in missing(lang).items():
            yield f"{where[0] if where else '?'}: {msgid!r} {problem} in {lang}"


def main(argv: list[str]) -> int:
    problems = list(report())
    for line in problems:
        print(line)
    print(f"{len(problems)} translation problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
