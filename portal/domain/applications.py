"""Certification applications: stages and their order, references, reviews, decline reasons.

Pure Python (no Flask). The body's report: "every application contract is reviewed by
marketing, technical and project-management staff; applications outside our scope are not
accepted, and when we refuse one we explain the reason to the applicant". So an application
moves received → under review → quoted / accepted / declined → contract → closed, and it can
be quoted or accepted only after the three reviews are recorded and positive.
"""

import re
from collections.abc import Mapping
from enum import StrEnum
from typing import Final


class RequestKind(StrEnum):
    QUOTE = "quote"  # an enquiry: what would it cost?
    APPLICATION = "application"  # initial certification
    TRANSFER = "transfer"  # from another certification body


class ApplicationStage(StrEnum):
    RECEIVED = "received"
    UNDER_REVIEW = "under_review"
    QUOTED = "quoted"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    CONTRACT = "contract"
    CLOSED = "closed"


Stage = ApplicationStage
# The stages shown on the tracker, in order (quoted, accepted and declined are alternatives).
STAGE_ORDER: Final[tuple[ApplicationStage, ...]] = tuple(ApplicationStage)
FIRST_ANSWERS: Final = frozenset({Stage.QUOTED, Stage.ACCEPTED, Stage.DECLINED})
ALLOWED: Final[Mapping[ApplicationStage, frozenset[ApplicationStage]]] = {
    Stage.RECEIVED: frozenset({Stage.UNDER_REVIEW, Stage.DECLINED}),
    Stage.UNDER_REVIEW: frozenset({Stage.QUOTED, Stage.ACCEPTED, Stage.DECLINED}),
    Stage.QUOTED: frozenset({Stage.ACCEPTED, Stage.DECLINED, Stage.CLOSED}),  # closed: not taken
    Stage.ACCEPTED: frozenset({Stage.CONTRACT, Stage.CLOSED}),
    Stage.DECLINED: frozenset({Stage.CLOSED}),
    Stage.CONTRACT: frozenset({Stage.CLOSED}),
    Stage.CLOSED: frozenset(),  # final
}


class StageError(ValueError):
    """A stage change that the application workflow does not allow."""


def ensure_can_move(current: ApplicationStage, target: ApplicationStage) -> None:
    """Raise StageError unless an application at `current` may move to `target`."""
    if target not in ALLOWED[current]:
        raise StageError(f"{current} -> {target} is not allowed")


class ReviewKind(StrEnum):
    """The three reviews the report names, in the order they are usually made."""

    MARKET = "market"
    TECHNICAL = "technical"
    PROJECT_MANAGEMENT = "project_management"


class ReviewOutcome(StrEnum):
    POSITIVE = "positive"
    NEGATIVE = "negative"


class DeclineReason(StrEnum):
    """Reason classes of a refusal (counted on /transparency); the applicant gets the text."""

    OUT_OF_SCOPE = "out_of_scope"  # outside the scope CNCA approved / CNAS accredited
    CONDITIONS_NOT_MET = "conditions_not_met"  # e.g. system not running 3 months, no licence
    IMPARTIALITY = "impartiality"  # a threat to impartiality that cannot be removed
    COMPETENCE = "competence"  # no competent auditors for the sector
    INCOMPLETE = "incomplete"  # information missing and not supplied
    OTHER = "other"


class ConflictRelation(StrEnum):
    """Why a staff member declared a tie to an organisation."""

    CONSULTED = "consulted"  # gave consultancy to the organisation
    EMPLOYED = "employed"  # worked for it
    OTHER = "other"


REFERENCE_PREFIX: Final = "SQ"
_REFERENCE = re.compile(r"^SQ-(\d{4})-(\d{6})$")


def format_reference(year: int, sequence: int) -> str:
    """Return the public reference of the `sequence`th application of `year` (SQ-2026-000123)."""
    return f"{REFERENCE_PREFIX}-{year:04d}-{sequence:06d}"


def normalise_reference(raw: str) -> str | None:
    """Return `raw` as a well-formed reference (case and spaces forgiven), or None."""
    value = re.sub(r"\s+", "", raw or "").upper().replace("—", "-").replace("–", "-")
    return value if _REFERENCE.match(value) else None
