"""What the public may see of a certificate: lookup by number, history and the API record.

The certificate page and the JSON API both read through here, so that a restricted certificate
hides the same fields everywhere and `expired` is derived the same way everywhere.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, timedelta
from typing import Any
from urllib.parse import quote

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.domain.codes import is_well_formed_number, number_key
from portal.domain.records import CERTIFICATE_COLUMNS
from portal.domain.status import PublicStatus
from portal.extensions import db
from portal.models import Alert, AlertKind, Certificate, CertificateEvent, EventKind

# Longest text worth looking up; the number_key column holds 64 characters.
MAX_KEY_LENGTH = 64
# What a lookup by number still tells about a restricted certificate (SPEC §2, ISO/IEC 17021-1
# §8.1.2 Note 1): the holder asked for confidentiality, so nothing that names or locates it.
RESTRICTED_PUBLIC_FIELDS: frozenset[str] = frozenset({
    "certificate_number", "scheme", "standard", "status", "status_date", "initial_issue_date",
    "issue_date", "expiry_date", "accreditation", "restricted",
})
LIST_FIELDS = frozenset({"sites", "former_names"})
DATE_FIELDS = frozenset({"initial_issue_date", "issue_date", "expiry_date", "status_date"})


def lookup_key(raw: str) -> str | None:
    """Return the normalised key to look `raw` up by, or None when it cannot match anything."""
    key = number_key(raw or "")
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        return None
    try:
        key.encode("utf-8")  # lone surrogates from JSON escapes cannot reach the database
    except UnicodeEncodeError:
        return None
    return key


def find_certificate(raw: str) -> Certificate | None:
    """Find one certificate by its number typed in any case, with or without separators."""
    key = lookup_key(raw)
    if key is None:
        return None
    return db.session.scalar(
        select(Certificate).where(Certificate.number_key == key)
        .options(selectinload(Certificate.sites), selectinload(Certificate.events),
                 selectinload(Certificate.audits)))


def find_certificates(raws: Iterable[str]) -> dict[str, Certificate]:
    """Return {lookup key: certificate} for every number of `raws` in the register (one query)."""
    keys = {key for key in map(lookup_key, raws) if key is not None}
    if not keys:
        return {}
    found = db.session.scalars(select(Certificate).where(Certificate.number_key.in_(keys)))
    return {cert.number_key: cert for cert in found}


def alerts_for_number(raw: str) -> list[Alert]:
    """Return the active public warnings (counterfeit, not returned) naming this number."""
    key = lookup_key(raw)
    if key is None:
        return []
    kinds = (AlertKind.COUNTERFEIT_NUMBER, AlertKind.UNRETURNED_CERTIFICATE)
    candidates = db.session.scalars(
        select(Alert).where(Alert.active.is_(True), Alert.kind.in_(kinds))
        .order_by(Alert.published_on.desc()))
    # The warnings list is short and numbers in it are typed by staff in any spelling.
    return [alert for alert in candidates if number_key(alert.value) == key]


def certificate_path(number: str) -> str:
    """Return the site path of a certificate's page, the number percent-encoded (`/` → %2F)."""
    return "/certificates/" + quote(number, safe="")


def verify_url(number: str) -> str:
    """Return the absolute public address of a certificate's page."""
    return current_app.config["PUBLIC_BASE_URL"] + certificate_path(number)


@dataclass(frozen=True)
class HistoryEntry:
    """One line of the public history: what happened, when, and the public reason."""

    kind: str
    date: date
    status: str | None = None
    reason: str = ""
    derived: bool = False
    details: tuple[tuple[str, str], ...] = ()


def _entry(event: CertificateEvent, restricted: bool) -> HistoryEntry | None:
    if restricted and event.status is None:
        return None  # renames, scope changes… would describe the holder
    reason = "" if restricted else event.public_reason
    details: dict[str, str] = {}
    if not restricted and event.kind is EventKind.RENAMED:
        details = {k: str(event.details.get(k, "")) for k in ("from", "to")}
    elif event.kind is EventKind.RENEWED and event.details.get("expiry_date"):
        details = {"expiry_date": str(event.details["expiry_date"])}
    elif event.kind is EventKind.REISSUED:
        details = {"issue_number": str(event.issue_number)}
    return HistoryEntry(kind=event.kind.value, date=event.effective_date,
                        status=event.status.value if event.status else None, reason=reason,
                        details=tuple(details.items()))


def history(cert: Certificate, today: date) -> list[HistoryEntry]:
    """Return the public history, oldest first; `expired` is added when it is derived today."""
    entries = [e for e in (_entry(ev, cert.restricted) for ev in cert.events) if e is not None]
    if cert.public_status(today) is PublicStatus.EXPIRED:
        entries.append(HistoryEntry(kind="status", date=cert.expiry_date + timedelta(days=1),
                                    status=PublicStatus.EXPIRED.value, derived=True))
    return entries


def _json_value(name: str, cert: Certificate) -> Any:
    if name == "sites":
        return cert.site_addresses
    value = getattr(cert, name)
    if name in DATE_FIELDS:
        return value.isoformat() if value else None
    if name in LIST_FIELDS:
        return list(value or [])
    if name == "restricted":
        return bool(value)
    if hasattr(value, "value"):
        return value.value
    return value


def certificate_json(cert: Certificate, today: date) -> dict[str, Any]:
    """Return the API record of `cert`: SPEC §2 fields by CSV name, history, audits, links.

    For a restricted certificate every field outside RESTRICTED_PUBLIC_FIELDS is null, history
    reasons are null and audits are null (hidden, not "none").
    """
    restricted = bool(cert.restricted)
    out: dict[str, Any] = {}
    for name in CERTIFICATE_COLUMNS:
        hidden = restricted and name not in RESTRICTED_PUBLIC_FIELDS
        out[name] = None if hidden else _json_value(name, cert)
    out["status"] = cert.public_status(today).value
    out["status_history"] = [
        {"status": e.status, "date": e.date.isoformat(),
         "reason": (e.reason or None) if not restricted else None,
         **({"derived": True} if e.derived else {})}
        for e in history(cert, today) if e.status is not None]
    out["audits"] = None if restricted else [
        {"audit_type": a.audit_type.value, "audit_date": a.audit_date.isoformat()}
        for a in cert.audits]
    out["verify_url"] = verify_url(cert.certificate_number)
    out["updated_at"] = cert.updated_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return out


def verify_results(numbers: Sequence[str], today: date) -> list[dict[str, Any]]:
    """Check each of `numbers` against the register, in order, with one query for all."""
    found = find_certificates(numbers)
    results = []
    for raw in numbers:
        key = lookup_key(raw)
        cert = found.get(key) if key else None
        if cert is None:
            results.append({"certificate_number": raw, "found": False,
                            "well_formed": is_well_formed_number(raw), "status": None})
            continue
        restricted = bool(cert.restricted)
        results.append({
            "certificate_number": raw,
            "found": True,
            "well_formed": is_well_formed_number(raw),
            "status": cert.public_status(today).value,
            "registered_number": cert.certificate_number,
            "scheme": cert.scheme,
            "standard": cert.standard,
            "holder_name_zh": None if restricted else cert.holder_name_zh,
            "holder_name_en": None if restricted else cert.holder_name_en,
            "issue_date": cert.issue_date.isoformat(),
            "expiry_date": cert.expiry_date.isoformat(),
            "restricted": restricted,
            "verify_url": verify_url(cert.certificate_number),
        })
    return results
