"""Verification receipts: freeze a certificate's public record with a hash, compare it later."""

import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

from portal.extensions import db
from portal.models import Certificate
from portal.models.receipt import Receipt
from portal.register.public import RESTRICTED_PUBLIC_FIELDS, PublicCertificate, public_record
from portal.services.certificates import snapshot

ID_ALPHABET: Final = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud, typed
ID_LENGTH: Final = 12
_ID_SHAPE: Final = re.compile(rf"^[{ID_ALPHABET}]{{{ID_LENGTH}}}$")
# Fields a receipt reports as changed, in the order a reader cares about them.
COMPARED_FIELDS: Final = (
    "public_status", "status_date", "status_reason", "issue_number", "expiry_date", "issue_date",
    "holder_name_zh", "holder_name_en", "scope_zh", "scope_en", "standard", "scheme", "sites",
    "address_zh", "address_en", "credit_code", "accreditation", "province", "city",
    "former_names", "initial_issue_date", "restricted")


def record(cert: Certificate, today: date) -> dict[str, Any]:
    """Return the record a receipt freezes: the register's fields and today's public status."""
    return snapshot(cert) | {"public_status": cert.public_status(today).value}


def content_hash(data: dict[str, Any]) -> str:
    """Return the SHA-256 (hex) of `data` as canonical JSON (sorted keys, UTF-8, no spaces)."""
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def format_id(receipt_id: str) -> str:
    """Return a receipt id grouped for reading: ABCD-EFGH-JKMN."""
    return "-".join(receipt_id[i:i + 4] for i in range(0, len(receipt_id), 4))


def normalise_id(raw: str) -> str | None:
    """Return the stored form of a receipt id typed with any case or separators, or None."""
    cleaned = re.sub(r"[\s\-_.]", "", raw or "").upper()
    return cleaned if _ID_SHAPE.match(cleaned) else None


def create_receipt(cert: Certificate, *, now: datetime, today: date) -> Receipt:
    """Freeze `cert`'s public record now and store it under a new random id (commits)."""
    data = record(cert, today)
    receipt = Receipt(id="".join(secrets.choice(ID_ALPHABET) for _ in range(ID_LENGTH)),
                      certificate=cert, created_at=now, content_hash=content_hash(data),
                      snapshot=data)
    db.session.add(receipt)
    db.session.commit()
    return receipt


def get_receipt(raw_id: str) -> Receipt | None:
    """Find a receipt by its id typed in any case, with or without dashes."""
    receipt_id = normalise_id(raw_id)
    return db.session.get(Receipt, receipt_id) if receipt_id else None


@dataclass(frozen=True)
class FieldChange:
    name: str
    before: Any
    after: Any


@dataclass(frozen=True)
class Comparison:
    """How a certificate's record today differs from what a receipt froze."""

    current_hash: str
    changes: tuple[FieldChange, ...]
    hidden_changes: bool  # fields changed that a restricted certificate does not show

    @property
    def changed(self) -> bool:
        return bool(self.changes) or self.hidden_changes

    @property
    def status_changed(self) -> bool:
        """Tell whether the public status is one of the changes."""
        return any(change.name == "public_status" for change in self.changes)


def compare(receipt: Receipt, today: date) -> Comparison:
    """Compare `receipt` with its certificate's record today (restricted fields stay hidden)."""
    cert = receipt.certificate
    now_data = record(cert, today)
    before = receipt.snapshot
    shown = RESTRICTED_PUBLIC_FIELDS | {"public_status", "issue_number"}
    restricted = _restricted(receipt)
    changes, hidden = [], False
    names = [*COMPARED_FIELDS, *sorted(set(now_data) - set(COMPARED_FIELDS))]
    for name in names:
        if name == "status":
            continue  # public_status says it, with `expired` derived
        if before.get(name) != now_data.get(name):
            if restricted and name not in shown:
                hidden = True
            else:
                changes.append(FieldChange(name, before.get(name), now_data.get(name)))
    return Comparison(current_hash=content_hash(now_data), changes=tuple(changes),
                      hidden_changes=hidden)


def _restricted(receipt: Receipt) -> bool:
    # Restricted now or when the receipt was made: either way the holder stays unpublished.
    return bool(receipt.certificate.restricted) or bool(receipt.snapshot.get("restricted"))


@dataclass(frozen=True)
class ReceiptView:
    """What a reopened receipt shows: the public part of its record, and what changed since."""

    record: dict[str, Any]  # the frozen record without what a restricted certificate hides
    certificate: PublicCertificate  # the certificate as the public sees it today
    comparison: Comparison

    @property
    def holder_withheld(self) -> bool:
        return "holder_name_zh" not in self.record


def open_receipt(receipt: Receipt, today: date) -> ReceiptView:
    """Return what the public may see of `receipt` on `today`."""
    return ReceiptView(record=public_record(receipt.snapshot, restricted=_restricted(receipt)),
                       certificate=PublicCertificate.of(receipt.certificate, today),
                       comparison=compare(receipt, today))
