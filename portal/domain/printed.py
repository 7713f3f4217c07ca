"""Printed issues: which changes make the paper wrong, so that a new issue must be printed.

A certificate is printed as issue 1. Every change of something the paper shows (a renewal, the
scope, the holder's name or address, the sites, the standard…) starts the next printed issue,
whose QR code is the only one that reads "current" from then on (docs/contract.md §3).
"""

from collections.abc import Iterable
from typing import Final

# Fields of docs/contract.md §2 printed on the certificate (ISO/IEC 17021-1 §8.2.2).
PRINTED_FIELDS: Final = frozenset({
    "scheme", "standard", "holder_name_zh", "holder_name_en", "credit_code", "address_zh",
    "address_en", "scope_zh", "scope_en", "sites", "initial_issue_date", "issue_date",
    "expiry_date", "accreditation"})

# Why a new issue was printed, in the order a reader is told (REISSUED events' `because`).
CAUSES: Final = ("renewed", "scope", "renamed", "address", "sites", "standard", "corrected")
_CAUSE_OF_FIELD: Final = {
    "scope_zh": "scope", "scope_en": "scope", "holder_name_zh": "renamed",
    "holder_name_en": "renamed", "address_zh": "address", "address_en": "address",
    "sites": "sites", "standard": "standard", "scheme": "standard"}


def reissue_causes(changed: Iterable[str], *, renewed: bool) -> tuple[str, ...]:
    """Return why the changed fields need a new printed issue (empty: the paper still holds).

    `renewed` says the expiry date moved later (a recertification); any other change of a
    printed date or of the credit code or accreditation is a correction of the paper.
    """
    causes = {"renewed"} if renewed else set()
    for name in set(changed) & PRINTED_FIELDS:
        if name == "expiry_date" and renewed:
            continue
        if renewed and name == "issue_date":
            continue  # a renewal's new issue date is part of the renewal
        causes.add(_CAUSE_OF_FIELD.get(name, "corrected"))
    return tuple(c for c in CAUSES if c in causes)
