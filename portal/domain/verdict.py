"""The verdict: can a buyer rely on this paper, this number, this supplier? One owner.

Every surface (the certificate page, the QR landing page, /verify, /scan, each /verify-list row,
its summary and downloads, receipts, badges, mails and the API's `verdict` and
`verdict_reasons`) renders what `decide` returns and decides nothing itself.

Reasons come in a fixed precedence: counterfeit (the number, or forged copies of a genuine
one) > not ours (not found, another body) > not in force (withdrawn, cancelled, expired,
suspended) > name does not match > paper not current > probable name match. The first
rejecting reason, else the first one, is the headline.
"""

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from portal.domain.names import NameMatch
from portal.domain.status import PublicStatus


class Level(StrEnum):
    """How far the reader can rely on what they hold (docs/contract.md §4 `verdict`)."""

    OK = "ok"  # genuine, in force, and what was checked agrees
    CAUTION = "caution"  # look again before relying on it
    REJECT = "reject"  # do not rely on it


class Reason(StrEnum):
    """One reason of a verdict (docs/contract.md §4 `verdict_reasons`), in precedence order."""

    COUNTERFEIT = "counterfeit"  # the number is on the public alert list as counterfeit
    COUNTERFEIT_COPIES = "counterfeit_copies"  # a genuine number, forged copies are known
    NOT_FOUND = "not_found"  # a number this body never issued
    OTHER_BODY = "other_body"  # a well-formed number of another certification body
    WITHDRAWN = "withdrawn"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    SUSPENDED = "suspended"
    NAME_MISMATCH = "name_mismatch"  # the paper names another organisation
    COPY_SUPERSEDED = "copy_superseded"  # the scanned paper is an earlier printed issue
    NAME_PROBABLE = "name_probable"  # the name is close, not the same: compare it


ORDER: Final = tuple(Reason)
# The codes the API publishes as `verdict_reasons` (docs/contract.md §4). An unknown number is
# told by `found: false` (and `other_body`), not by a reason; forged copies of a genuine
# number are published as `counterfeit`, as the alert list says.
API_CODES: Final = {
    Reason.COUNTERFEIT: "counterfeit", Reason.WITHDRAWN: "withdrawn",
    Reason.CANCELLED: "cancelled", Reason.EXPIRED: "expired", Reason.SUSPENDED: "suspended",
    Reason.NAME_MISMATCH: "name_mismatch", Reason.COPY_SUPERSEDED: "copy_superseded",
    Reason.COUNTERFEIT_COPIES: "counterfeit", Reason.NAME_PROBABLE: "name_probable"}
REJECTING: Final = frozenset({Reason.COUNTERFEIT, Reason.NOT_FOUND, Reason.WITHDRAWN,
                              Reason.CANCELLED, Reason.EXPIRED, Reason.SUSPENDED,
                              Reason.NAME_MISMATCH})
_NOT_IN_FORCE: Final = {PublicStatus.WITHDRAWN: Reason.WITHDRAWN,
                        PublicStatus.CANCELLED: Reason.CANCELLED,
                        PublicStatus.EXPIRED: Reason.EXPIRED,
                        PublicStatus.SUSPENDED: Reason.SUSPENDED}
# What a status reason says on a page when the reason leads.
STATUS_OF: Final = {reason: status for status, reason in _NOT_IN_FORCE.items()}


@dataclass(frozen=True)
class Verdict:
    """The answer: a level, the reasons in precedence order, and what the name check said."""

    level: Level
    reasons: tuple[Reason, ...]
    name: NameMatch | None = None  # None: no name was checked

    @property
    def headline(self) -> Reason | None:
        """The reason that leads (None: nothing against it, the verdict is ok).

        The first reason, except that a rejecting reason leads a merely cautioning one that
        comes before it (a withdrawn certificate of which forged copies are known: withdrawn).
        """
        rejecting = [r for r in self.reasons if r in REJECTING]
        return rejecting[0] if rejecting else self.reasons[0] if self.reasons else None

    @property
    def name_matches(self) -> bool:
        return self.name is NameMatch.MATCH

    @property
    def codes(self) -> list[str]:
        """The reasons as the API's `verdict_reasons` (API_CODES), in precedence order."""
        return list(dict.fromkeys(API_CODES[r] for r in self.reasons if r in API_CODES))

    @property
    def in_force(self) -> bool:
        return not any(r in STATUS_OF for r in self.reasons)


def decide(*, status: PublicStatus | None, name: NameMatch | None = None,
           copy_current: bool | None = None, counterfeit: bool = False,
           other_body: bool = False) -> Verdict:
    """Return the verdict on what is known.

    `status` is the certificate's public status today (None: the register holds no such
    number); `name` the result of comparing the printed name (None: none was typed);
    `copy_current` whether a scanned printed copy is the current issue (None: no copy);
    `counterfeit` whether the number is on the public alert list as counterfeit (for a number
    the register holds: forged copies of it are known); `other_body` whether an unknown number
    has the pattern of another certification body's numbers.
    """
    reasons: list[Reason] = []
    if status is None:
        if counterfeit:
            reasons.append(Reason.COUNTERFEIT)
        else:
            reasons.append(Reason.OTHER_BODY if other_body else Reason.NOT_FOUND)
    else:
        if counterfeit:
            reasons.append(Reason.COUNTERFEIT_COPIES)
        if status in _NOT_IN_FORCE:
            reasons.append(_NOT_IN_FORCE[status])
        if name is NameMatch.NO_MATCH:
            reasons.append(Reason.NAME_MISMATCH)
        if copy_current is False:
            reasons.append(Reason.COPY_SUPERSEDED)
        if name is NameMatch.PROBABLE:
            reasons.append(Reason.NAME_PROBABLE)
    reasons.sort(key=ORDER.index)
    if any(r in REJECTING for r in reasons):
        level = Level.REJECT
    elif reasons:
        level = Level.CAUTION
    else:
        level = Level.OK
    return Verdict(level, tuple(reasons), name if status is not None else None)
