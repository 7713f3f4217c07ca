"""Customer-satisfaction surveys after audits: the aspects asked about and what is "low".

Pure Python. The report: "at every audit the team gives the audited organisation a
customer-satisfaction form, which it fills in and mails back to the centre for analysis".
"""

from enum import StrEnum
from typing import Final


class Aspect(StrEnum):
    """The scored questions, each 1 (very dissatisfied) to 5 (very satisfied)."""

    OVERALL = "overall"
    COMPETENCE = "competence"  # audit team competence
    IMPARTIALITY = "impartiality"
    COMMUNICATION = "communication"
    PUNCTUALITY = "punctuality"
    FINDINGS = "findings"  # value of the audit findings


ASPECTS: Final[tuple[Aspect, ...]] = tuple(Aspect)
SCORES: Final[tuple[int, ...]] = (1, 2, 3, 4, 5)
LOW_SCORE: Final = 2  # a score at or below this opens a follow-up item


def low_aspects(scores: dict[str, int | None]) -> list[str]:
    """Return the aspects scored at or below LOW_SCORE (in ASPECTS order)."""
    return [a.value for a in ASPECTS
            if scores.get(a.value) is not None and int(scores[a.value] or 0) <= LOW_SCORE]


class InvitationState(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    EXPIRED = "expired"
