"""The words of the verdict (portal.domain.verdict) in the reader's language: one table.

Pages, downloads, receipts and mails take their headline, level and reason texts from here, so
the same certificate is described the same way wherever it is looked at.
"""

from typing import Any, Final

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from portal.domain.verdict import Level, Reason, Verdict

LEVEL_LABELS: Final = {
    Level.OK: _l("Can be relied on"),
    Level.CAUTION: _l("Check before relying on it"),
    Level.REJECT: _l("Do not rely on it"),
}
# Short texts: a list row, a CSV cell, a mail line.
REASON_LABELS: Final = {
    Reason.COUNTERFEIT: _l("Known counterfeit number"),
    Reason.NOT_FOUND: _l("Not found in the register"),
    Reason.OTHER_BODY: _l("Number of another certification body"),
    Reason.WITHDRAWN: _l("Certificate withdrawn"),
    Reason.CANCELLED: _l("Certificate cancelled"),
    Reason.EXPIRED: _l("Certificate expired"),
    Reason.SUSPENDED: _l("Certificate suspended"),
    Reason.NAME_MISMATCH: _l("Name does not match the holder"),
    Reason.COPY_SUPERSEDED: _l("Printed copy superseded"),
    Reason.COUNTERFEIT_COPIES: _l("Counterfeit copies of this number known"),
    Reason.NAME_PROBABLE: _l("Name close, not the same"),
}
# Headlines: the page title and first heading.
_HEADLINES: Final = {
    Reason.COUNTERFEIT: _l("A known counterfeit certificate number: do not rely on it"),
    Reason.NOT_FOUND: _l("Certificate not found"),
    Reason.OTHER_BODY: _l("This number was issued by another certification body"),
    Reason.WITHDRAWN: _l("This certificate has been withdrawn: do not rely on it"),
    Reason.CANCELLED: _l("This certificate has been cancelled: do not rely on it"),
    Reason.EXPIRED: _l("This certificate has expired: do not rely on it"),
    Reason.SUSPENDED: _l("This certificate is suspended: do not rely on it"),
    Reason.NAME_MISMATCH: _l("The company on your paper does not match this certificate"),
    Reason.COPY_SUPERSEDED: _l("This printed copy is not the current one"),
    Reason.COUNTERFEIT_COPIES: _l("Counterfeit copies of this certificate are known: compare "
                                  "every detail of your paper"),
    Reason.NAME_PROBABLE: _l("Probably the same company: check the spelling"),
}
_NAME_MATCHES_BUT: Final = {
    Reason.WITHDRAWN: _l("The name matches, but this certificate has been withdrawn: do not "
                         "rely on it"),
    Reason.CANCELLED: _l("The name matches, but this certificate has been cancelled: do not "
                         "rely on it"),
    Reason.EXPIRED: _l("The name matches, but this certificate has expired: do not rely on it"),
    Reason.SUSPENDED: _l("The name matches, but this certificate is suspended: do not rely "
                         "on it"),
    Reason.COPY_SUPERSEDED: _l("The name matches, but this printed copy is not the current "
                               "one"),
    Reason.COUNTERFEIT_COPIES: _l("The name matches; counterfeit copies of this certificate "
                                  "are known: compare every detail"),
}
REISSUE_CAUSES: Final = {
    "renewed": _l("the certificate was renewed"),
    "scope": _l("the scope changed"),
    "renamed": _l("the holder's name changed"),
    "address": _l("the address changed"),
    "sites": _l("the sites changed"),
    "standard": _l("the standard changed"),
    "corrected": _l("printed details were corrected"),
}


def headline(verdict: Verdict) -> str:
    """Return the verdict's title: what the reader must know first."""
    lead = verdict.headline
    if lead is None:
        if verdict.name_matches:
            return gettext("The company on your paper holds this certificate, which is in force")
        return gettext("This certificate is in force")
    if verdict.name_matches and lead in _NAME_MATCHES_BUT:
        return str(_NAME_MATCHES_BUT[lead])
    return str(_HEADLINES[lead])


def reason_label(reason: Reason | str) -> str:
    return str(REASON_LABELS[Reason(reason)])


def level_label(level: Level | str) -> str:
    return str(LEVEL_LABELS[Level(level)])


def summary(verdict: Verdict) -> str:
    """Return one line for a list cell or a mail: the level, then every reason."""
    parts = [level_label(verdict.level), *(reason_label(r) for r in verdict.reasons)]
    return gettext("; ").join(parts)


def reissue_cause(code: str) -> str:
    return str(REISSUE_CAUSES.get(code, REISSUE_CAUSES["corrected"]))


def template_helpers() -> dict[str, Any]:
    """What templates call: `verdict_headline(v)`, `verdict_reason(r)`, `verdict_level(l)`."""
    return {"verdict_headline": headline, "verdict_reason": reason_label,
            "verdict_level": level_label, "verdict_summary": summary}
