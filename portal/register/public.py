"""What the public may see of a certificate: the `PublicCertificate` projection and lookups.

Every public output — the certificate page, the QR landing page, receipts, badges, the JSON
API, Atom feeds, watch e-mails, bulk checks and search — receives a `PublicCertificate`, never
the ORM row. For a restricted certificate (the holder asked for confidentiality, ISO/IEC
17021-1 §8.1.2 Note 1) the holder, scope, sites, reasons, audits and every history entry other
than a status change are not in the object at all, so no template or serialiser can show them.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import quote

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.clock import CHINA
from portal.domain.codes import number_key
from portal.domain.records import CERTIFICATE_COLUMNS
from portal.domain.status import FINAL, CertificateStatus, PublicStatus
from portal.domain.surveillance import AuditDate, Surveillance, surveillance_of
from portal.extensions import db
from portal.models import Alert, AlertKind, Certificate, CertificateEvent, EventKind

# Longest text worth looking up; the number_key column holds 64 characters.
MAX_KEY_LENGTH = 64
# What a lookup by number still tells about a restricted certificate: the holder asked for
# confidentiality, so nothing that names or locates it.
RESTRICTED_PUBLIC_FIELDS: frozenset[str] = frozenset({
    "certificate_number", "scheme", "standard", "status", "status_date", "initial_issue_date",
    "issue_date", "expiry_date", "accreditation", "restricted",
})


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
    return str(current_app.config["PUBLIC_BASE_URL"]) + certificate_path(number)


@dataclass(frozen=True)
class HistoryEntry:
    """One line of the public history: what happened, when, and the public reason."""

    kind: str
    date: date
    status: str | None = None
    reason: str = ""
    derived: bool = False
    details: tuple[tuple[str, str], ...] = ()
    event_id: int | None = None  # None for the derived `expired` entry
    recorded_at: datetime | None = None  # None when only the date is public (restricted)

    @property
    def moment(self) -> datetime:
        """Return when the entry was recorded, or the start of its day when that is not public."""
        return self.recorded_at or datetime.combine(self.date, time(), tzinfo=CHINA)


@dataclass(frozen=True)
class Holder:
    """Who holds a certificate and where: absent from a restricted certificate."""

    name_zh: str
    name_en: str
    former_names: tuple[str, ...]
    credit_code: str
    address_zh: str
    address_en: str
    province: str
    city: str


@dataclass(frozen=True)
class Scope:
    """What is certified, and at which other sites: absent from a restricted certificate."""

    zh: str
    en: str
    sites: tuple[str, ...]


@dataclass(frozen=True)
class PublicAudit:
    """One audit as the public sees it: its type and date."""

    audit_type: str
    audit_date: date


@dataclass(frozen=True)
class PublicCertificate:
    """Everything the public may see of one certificate on one day, and nothing more."""

    certificate_number: str
    number_key: str
    scheme: str
    standard: str
    status: PublicStatus  # `expired` derived for the day the projection was made
    recorded_status: CertificateStatus  # the stored status (an expired one may be suspended)
    status_date: date | None
    initial_issue_date: date | None
    issue_date: date
    expiry_date: date
    accreditation: str
    issue_number: int  # the current printed issue
    restricted: bool
    updated_at: datetime
    history: tuple[HistoryEntry, ...]  # oldest first
    holder: Holder | None = None  # None: restricted — not hidden, absent
    scope: Scope | None = None
    status_reason: str | None = None
    audits: tuple[PublicAudit, ...] | None = None
    # None for schemes without surveillance audits, and for a restricted certificate (its
    # audits are not public either).
    surveillance: Surveillance | None = None

    @classmethod
    def of(cls, cert: Certificate, today: date) -> "PublicCertificate":
        """Project `cert` as the public sees it on `today`."""
        restricted = bool(cert.restricted)
        common: dict[str, Any] = {
            "certificate_number": cert.certificate_number, "number_key": cert.number_key,
            "scheme": cert.scheme, "standard": cert.standard,
            "status": cert.public_status(today), "recorded_status": cert.status,
            "status_date": cert.status_date, "initial_issue_date": cert.initial_issue_date,
            "issue_date": cert.issue_date, "expiry_date": cert.expiry_date,
            "accreditation": cert.accreditation or "", "issue_number": cert.issue_number,
            "restricted": restricted, "updated_at": cert.updated_at,
            "history": tuple(_history(cert, today, restricted)),
        }
        if restricted:
            return cls(**common)
        return cls(
            **common,
            holder=Holder(name_zh=cert.holder_name_zh, name_en=cert.holder_name_en or "",
                          former_names=tuple(cert.former_names or ()),
                          credit_code=cert.credit_code or "", address_zh=cert.address_zh or "",
                          address_en=cert.address_en or "", province=cert.province or "",
                          city=cert.city or ""),
            scope=Scope(zh=cert.scope_zh, en=cert.scope_en or "",
                        sites=tuple(cert.site_addresses)),
            status_reason=cert.status_reason or "",
            audits=tuple(PublicAudit(a.audit_type.value, a.audit_date) for a in cert.audits),
            surveillance=surveillance_of(
                cert.scheme, status=cert.status.value, issue_date=cert.issue_date,
                expiry_date=cert.expiry_date, today=today,
                audits=[AuditDate(a.audit_type.value, a.audit_date) for a in cert.audits]),
        )

    @property
    def path(self) -> str:
        """Return the site path of the certificate's page."""
        return certificate_path(self.certificate_number)

    @property
    def offers_print_qr(self) -> bool:
        """Tell whether the page offers the QR code for printing (not once withdrawn/cancelled)."""
        return self.recorded_status not in FINAL

    @property
    def offers_badge(self) -> bool:
        """Tell whether the page offers the website badge (the holder must be public and live)."""
        return self.holder is not None and self.recorded_status not in FINAL

    def status_history(self) -> list[HistoryEntry]:
        """Return the status entries of the history, oldest first."""
        return [e for e in self.history if e.status is not None]


def history_entry(event: CertificateEvent) -> HistoryEntry | None:
    """Return what the public may know of one history entry of its certificate, or None when
    nothing (a rename, scope change, renewal or re-issue of a restricted certificate)."""
    return _entry(event, bool(event.certificate.restricted))


def _entry(event: CertificateEvent, restricted: bool) -> HistoryEntry | None:
    if restricted and event.status is None:
        return None  # renames, scope changes, renewals… would describe the holder
    details: dict[str, str] = {}
    if event.kind is EventKind.RENAMED:
        details = {k: str(event.details.get(k, "")) for k in ("from", "to")}
    elif event.kind is EventKind.RENEWED and event.details.get("expiry_date"):
        details = {"expiry_date": str(event.details["expiry_date"])}
    elif event.kind is EventKind.REISSUED:
        details = {"issue_number": str(event.issue_number)}
    return HistoryEntry(kind=event.kind.value, date=event.effective_date,
                        status=event.status.value if event.status else None,
                        reason="" if restricted else event.public_reason or "",
                        details=tuple(details.items()), event_id=event.id,
                        recorded_at=None if restricted else event.recorded_at)


def _history(cert: Certificate, today: date, restricted: bool) -> list[HistoryEntry]:
    entries = [e for e in (_entry(ev, restricted) for ev in cert.events) if e is not None]
    if cert.public_status(today) is PublicStatus.EXPIRED:
        entries.append(HistoryEntry(kind="status", date=cert.expiry_date + timedelta(days=1),
                                    status=PublicStatus.EXPIRED.value, derived=True))
    return entries


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def register_fields(cert: PublicCertificate) -> dict[str, Any]:
    """Return the docs/contract.md §2 fields of `cert` by CSV name; a field it does not hold is None."""
    holder, scope = cert.holder, cert.scope
    values: dict[str, Any] = {
        "certificate_number": cert.certificate_number, "scheme": cert.scheme,
        "standard": cert.standard,
        "holder_name_zh": holder.name_zh if holder else None,
        "holder_name_en": holder.name_en if holder else None,
        "credit_code": holder.credit_code if holder else None,
        "address_zh": holder.address_zh if holder else None,
        "address_en": holder.address_en if holder else None,
        "province": holder.province if holder else None,
        "city": holder.city if holder else None,
        "scope_zh": scope.zh if scope else None, "scope_en": scope.en if scope else None,
        "sites": list(scope.sites) if scope else None,
        "initial_issue_date": _iso(cert.initial_issue_date),
        "issue_date": _iso(cert.issue_date), "expiry_date": _iso(cert.expiry_date),
        "status": cert.status.value, "status_date": _iso(cert.status_date),
        "status_reason": cert.status_reason,
        "accreditation": cert.accreditation,
        "former_names": list(holder.former_names) if holder else None,
        "restricted": cert.restricted,
    }
    return {name: values[name] for name in CERTIFICATE_COLUMNS}


def certificate_json(cert: PublicCertificate) -> dict[str, Any]:
    """Return the API record of `cert`: docs/contract.md §2 fields by CSV name, history, audits, links.

    For a restricted certificate every field it does not hold is null, history reasons are
    null and audits are null (hidden, not "none").
    """
    out = register_fields(cert)
    out["status_history"] = [
        {"status": e.status, "date": e.date.isoformat(), "reason": e.reason or None,
         **({"derived": True} if e.derived else {})}
        for e in cert.status_history()]
    out["audits"] = None if cert.audits is None else [
        {"audit_type": a.audit_type, "audit_date": a.audit_date.isoformat()}
        for a in cert.audits]
    out["surveillance"] = surveillance_json(cert.surveillance)
    out["issuer"] = issuer_json()
    out["verify_url"] = verify_url(cert.certificate_number)
    out["updated_at"] = cert.updated_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return out


def surveillance_json(found: Surveillance | None) -> dict[str, Any] | None:
    """Return the API's `surveillance` object (docs/contract.md §4), None where there is none."""
    if found is None:
        return None
    return {"last_audit_date": _iso(found.last_audit_date),
            "next_due_date": _iso(found.next_due_date), "overdue": found.overdue}


def issuer_json() -> dict[str, Any]:
    """Return the API's `issuer` object: the body and its approval and accreditation numbers."""
    config = current_app.config
    return {"name_zh": config["BODY_NAME_ZH"], "name_en": config["BODY_NAME_EN"],
            "cnca_approval_number": config.get("BODY_CNCA_APPROVAL_NUMBER") or None,
            "cnas_accreditation_number": config.get("BODY_CNAS_ACCREDITATION_NUMBER") or None,
            "accreditation_statement_zh": config.get("ACCREDITATION_STATEMENT_ZH") or None,
            "accreditation_statement_en": config.get("ACCREDITATION_STATEMENT_EN") or None}


def public_record(data: Mapping[str, Any], *, restricted: bool) -> dict[str, Any]:
    """Return what the public may see of a frozen record (a receipt's snapshot)."""
    if not restricted:
        return dict(data)
    shown = RESTRICTED_PUBLIC_FIELDS | {"public_status", "issue_number"}
    return {name: value for name, value in data.items() if name in shown}
