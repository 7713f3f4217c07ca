"""One catalog per language, each msgid in it once, and every UI string of the code translated."""

import re
import textwrap
from pathlib import Path

import pytest

from portal import i18n_check

ROOT = Path(__file__).resolve().parents[2]


def test_one_catalog_per_language_in_flask_babels_layout():
    assert i18n_check.languages() == ["zh_CN"]
    assert i18n_check.catalog_files() == [
        ROOT / "portal" / "translations" / "zh_CN" / "LC_MESSAGES" / "messages.po"]


@pytest.mark.parametrize("lang", i18n_check.languages())
def test_no_msgid_is_translated_twice(lang):
    twice = i18n_check.duplicates(lang)
    listing = "\n".join(f"{msgid!r}: {', '.join(where)}" for msgid, where in sorted(twice.items()))
    assert not twice, f"{len(twice)} msgids defined more than once for {lang}:\n{listing}"


@pytest.mark.parametrize("lang", i18n_check.languages())
def test_every_ui_string_has_a_translation(lang):
    missing = i18n_check.missing(lang)
    listing = "\n".join(f"{where[1] if len(where) > 1 else '?'}: {msgid!r} ({where[0]})"
                        for msgid, where in sorted(missing.items()))
    assert not missing, (f"{len(missing)} UI strings without a {lang} translation "
                         f"(make update-messages, translate, then python -m portal.i18n_check):"
                         f"\n{listing}")


@pytest.mark.parametrize("lang", i18n_check.languages())
def test_placeholders_survive_translation(lang):
    """A translation keeps every %(name)s of its msgid, or the page would raise or lie."""
    placeholder = re.compile(r"%\(\w+\)s")
    wrong = {msgid: text for msgid, text in i18n_check.translated(lang).items()
             if sorted(placeholder.findall(msgid)) != sorted(placeholder.findall(text))}
    assert wrong == {}


def test_the_check_extracts_what_pybabel_extract_does():
    """`make extract-messages` and the check look for the same keywords, per babel.cfg."""
    recipe = (ROOT / "Makefile").read_text(encoding="utf-8").split("\nextract-messages:", 1)[1]
    recipe = recipe.split("\n\n", 1)[0]
    assert "-F babel.cfg" in recipe
    assert tuple(re.findall(r"-k (\S+)", recipe)) == i18n_check.EXTRA_KEYWORDS
    template = i18n_check.extracted()
    assert template.get("Valid") is not None  # _l() in portal/i18n.py
    assert template.get("Verify") is not None  # _() in templates/base.html


def test_the_check_sees_a_duplicate_babel_would_merge_silently(tmp_path, monkeypatch):
    catalog = tmp_path / "zh_CN" / "LC_MESSAGES" / "messages.po"
    catalog.parent.mkdir(parents=True)
    catalog.write_text(textwrap.dedent("""\
        msgid ""
        msgstr ""
        "Content-Type: text/plain; charset=utf-8\\n"

        msgid "Report a suspected fake"
        msgstr "举报疑似伪造证书"

        msgid "Valid"
        msgstr "有效"

        msgid "Report a suspected fake"
        msgstr "举报疑似假证"

        msgid "%(n)s site"
        msgid_plural "%(n)s sites"
        msgstr[0] "%(n)s 个场所"

        msgid "Valid until"
        msgstr "有效期至"
        """), encoding="utf-8")
    monkeypatch.setattr(i18n_check, "TRANSLATIONS", tmp_path)
    monkeypatch.setattr(i18n_check, "ROOT", tmp_path)
    assert i18n_check.duplicates("zh_CN") == {
        "Report a suspected fake": ["zh_CN/LC_MESSAGES/messages.po:5",
                                    "zh_CN/LC_MESSAGES/messages.po:11"]}
    # ...and an extracted string that catalog lacks, or has with other plural forms
    monkeypatch.setattr(i18n_check, "extracted", lambda: _template(
        "Valid", "Suspended", ("%(n)s certificate", "%(n)s certificates"),
        ("%(n)s site", "%(n)s sites"), ("Valid until", "Valid until %(n)s days")))
    problems = {msgid: where[0] for msgid, where in i18n_check.missing("zh_CN").items()}
    assert problems == {"Suspended": "missing", "%(n)s certificate": "missing",
                        "Valid until": "plural forms differ from the code"}


def _template(*ids):
    from babel.messages.catalog import Catalog

    template = Catalog()
    for msgid in ids:
        template.add(msgid, None, [("templates/x.html", 1)])
    return template
