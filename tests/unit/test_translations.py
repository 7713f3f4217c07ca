"""Every UI string in the code and templates has a Chinese translation in some catalog."""

from portal import i18n_check


def test_every_ui_string_has_a_chinese_translation():
    missing = i18n_check.missing()
    listing = "\n".join(f"{where[0]}: {msgid!r}" for msgid, where in sorted(missing.items()))
    assert not missing, f"{len(missing)} UI strings without zh_CN (python -m portal.i18n_check):"\
                        f"\n{listing}"


def test_placeholders_survive_translation():
    """A translation keeps every %(name)s of its msgid, or the page would raise or lie."""
    import re

    placeholder = re.compile(r"%\(\w+\)s")
    wrong = {msgid: text for msgid, text in i18n_check.translated().items()
             if sorted(placeholder.findall(msgid)) != sorted(placeholder.findall(text))}
    assert wrong == {}
