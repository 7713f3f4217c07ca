"""Find UI strings that have no Chinese translation: `python -m portal.i18n_check`.

Strings are written in English in the code (`_("…")`); every one needs a zh_CN entry in one of
the per-area catalogs `portal/translations/<area>/zh_CN/LC_MESSAGES/messages.po`.
`python -m portal.i18n_check --write AREA [PATH_PREFIX ...]` appends the missing ones found
under those paths (untranslated) to AREA's catalog, to be filled in by hand.
"""

import sys
from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "portal" / "translations"
METHOD_MAP = [("portal/**.py", "python"), ("templates/**.html", "jinja2"),
              ("templates/**.txt", "jinja2"), ("templates/**.xml", "jinja2"),
              ("templates/**.svg", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None,
            "lazy_ngettext": (1, 2)}


def extracted() -> Iterator[tuple[str, str]]:
    """Yield (msgid, "file:line") for every UI string in the code and templates."""
    for filename, lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), METHOD_MAP, keywords=KEYWORDS,
            options_map={"templates/**.html": {"extensions": "jinja2.ext.do"}}):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            yield msgid, f"{filename}:{lineno}"


def catalog_path(area: str, locale: str = "zh_CN") -> Path:
    return TRANSLATIONS / area / locale / "LC_MESSAGES" / "messages.po"


def translated(locale: str = "zh_CN") -> dict[str, str]:
    """Return every translated msgid of `locale` across all area catalogs."""
    out: dict[str, str] = {}
    for po in sorted(TRANSLATIONS.glob(f"*/{locale}/LC_MESSAGES/messages.po")):
        with po.open("rb") as fh:
            for message in read_po(fh, locale=locale):
                if not message.id or message.fuzzy:
                    continue
                text = message.string[0] if isinstance(message.string, tuple) else message.string
                if text:
                    out[message.id[0] if isinstance(message.id, tuple) else message.id] = text
    return out


def missing(locale: str = "zh_CN") -> dict[str, list[str]]:
    """Return {msgid: [locations]} for every UI string without a `locale` translation."""
    have = translated(locale)
    out: dict[str, list[str]] = {}
    for msgid, where in extracted():
        if msgid not in have:
            out.setdefault(msgid, []).append(where)
    return out


def write_missing(area: str, prefixes: list[str], locale: str = "zh_CN") -> int:
    """Append missing msgids found under `prefixes` (all when empty) to AREA's catalog."""
    path = catalog_path(area, locale)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        with path.open("rb") as fh:
            catalog = read_po(fh, locale=locale)
    else:
        catalog = Catalog(locale=locale, project="portal", fuzzy=False)
    todo = {msgid: where for msgid, where in missing(locale).items()
            if not prefixes or any(w.startswith(p) for w in where for p in prefixes)}
    for msgid, where in todo.items():
        if msgid not in catalog:
            catalog.add(msgid, "", locations=[(w.rsplit(":", 1)[0], int(w.rsplit(":", 1)[1]))
                                              for w in where])
    with path.open("wb") as fh:
        write_po(fh, catalog, width=100, omit_header=False)
    return len(todo)


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0] == "--write":
        print(f"{write_missing(argv[1], argv[2:])} untranslated strings written to {catalog_path(argv[1])}")
        return 0
    todo = missing()
    for msgid, where in sorted(todo.items(), key=lambda kv: kv[1][0]):
        print(f"{where[0]}: {msgid!r}")
    print(f"{len(todo)} UI strings without a zh_CN translation")
    return 1 if todo else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
