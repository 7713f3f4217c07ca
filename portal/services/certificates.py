"""Keep the register: look up, create, correct and change the status of certificates.

Every write of one certificate goes through here so that the transition rules, the history,
the search change log and the audit log are applied the same way for the CLI import, the back
office and the API. The rows of a new certificate come from `portal.register.rows`, which the
bulk import and the demo data use too. Functions add to the session; callers commit (one
transaction per operation).
"""

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert, select, update

from portal.clock import CHINA
from portal.domain.codes import number_key
from portal.domain.printed import reissue_causes
from portal.domain.records import DATA_FIELDS, CertificateData
from portal.domain.status import CertificateStatus, ensure_can_move
from portal.extensions import db
from portal.models import (
    Audit,
    AuditType,
    Certificate,
    CertificateEvent,
    EventKind,
    SearchChange,
    Site,
)
from portal.register import rows
from portal.services import audit_log


def get_by_number(raw: str) -> Certificate | None:
    """Find a certificate by its number typed in any case, with or without separators."""
    key = number_key(raw)
    if not key:
        return None
    return db.session.scalar(select(Certificate).where(Certificate.number_key == key))


def snapshot(cert: Certificate) -> dict[str, Any]:
    """Return the certificate's docs/contract.md §2 fields as JSON-ready values (for the audit log)."""
    return rows.snapshot(cert)


def note_changed(cert: Certificate, now: datetime) -> None:
    """Write a search change-log row in the same transaction as the change."""
    db.session.add(SearchChange(number_key=cert.number_key, changed_at=now))


def note_many_changed(number_keys: Iterable[str], now: datetime) -> None:
    """Note many certificates changed at `now` (a bulk write), as `note_changed` does for one."""
    keys = sorted(set(number_keys))
    if not keys:
        return
    db.session.execute(insert(SearchChange), [{"number_key": k, "changed_at": now} for k in keys])
    for start in range(0, len(keys), 500):
        db.session.execute(update(Certificate)
                           .where(Certificate.number_key.in_(keys[start:start + 500]))
                           .values(updated_at=now).execution_options(synchronize_session=False))


def add_audit(cert: Certificate, audit_type: AuditType, audit_date: date, *,
              auditors: Iterable[str] = (), actor: str, now: datetime, ip: str = "") -> Audit:
    """Record an audit of `cert`; its page, API record and surveillance due date change at once."""
    audit = Audit(certificate_id=cert.id, audit_type=audit_type, audit_date=audit_date,
                  auditors=sorted({t.strip().lower() for t in auditors if t.strip()}))
    db.session.add(audit)
    cert.updated_at = now
    note_changed(cert, now)
    db.session.flush()
    audit_log.record(actor=actor, action="audit.create", entity_type="certificate",
                     entity_id=cert.certificate_number, before=None,
                     after={"audit_type": audit_type.value, "audit_date": audit_date.isoformat(),
                            "auditors": audit.auditors}, now=now, ip=ip)
    return audit


def _event(cert: Certificate, kind: EventKind, *, effective: date, actor: str, now: datetime,
           status: CertificateStatus | None = None, reason: str = "", note: str = "",
           details: dict[str, Any] | None = None) -> CertificateEvent:
    event = CertificateEvent(kind=kind, status=status, effective_date=effective,
                             public_reason=reason, internal_note=note, actor=actor,
                             recorded_at=now, issue_number=cert.issue_number,
                             details=details or {})
    cert.events.append(event)
    return event


def _assign_fields(cert: Certificate, data: CertificateData) -> None:
    for name in DATA_FIELDS:
        if name in ("status", "sites", "certificate_number"):
            continue
        setattr(cert, name, getattr(data, name))
    cert.sites = [Site(position=i, address=a) for i, a in enumerate(data.sites)]


def create_certificate(data: CertificateData, *, actor: str, now: datetime,
                       is_demo: bool = False) -> Certificate:
    """Add a new certificate; a non-valid status is recorded as a change from `valid`."""
    if data.status is not CertificateStatus.VALID:
        ensure_can_move(CertificateStatus.VALID, data.status)
    cert = Certificate(**rows.certificate_row(data, now=now, is_demo=is_demo))
    cert.sites = [Site(**site) for site in rows.site_rows(data.sites)]
    cert.events = [CertificateEvent(**event)
                   for event in rows.creation_events(data, actor=actor, now=now)]
    db.session.add(cert)
    note_changed(cert, now)
    audit_log.record(actor=actor, action="certificate.create", entity_type="certificate",
                     entity_id=cert.certificate_number, before=None, after=snapshot(cert),
                     now=now)
    return cert


def change_status(cert: Certificate, target: CertificateStatus, *, effective: date,
                  reason: str, note: str = "", actor: str, now: datetime,
                  audit: bool = True) -> CertificateEvent:
    """Move `cert` to `target` from `effective`, checked against the transition rules."""
    ensure_can_move(cert.status, target)
    before = snapshot(cert) if audit else None
    cert.status = target
    cert.status_date = effective
    cert.status_reason = reason
    cert.updated_at = now
    event = _event(cert, EventKind.STATUS, status=target, effective=effective, reason=reason,
                   note=note, actor=actor, now=now)
    note_changed(cert, now)
    if audit:
        audit_log.record(actor=actor, action="certificate.status", entity_type="certificate",
                         entity_id=cert.certificate_number, before=before,
                         after=snapshot(cert) | {"internal_note": note}, now=now)
    return event


def reissue_certificate(cert: Certificate, *, effective: date, reason: str, note: str = "",
                        actor: str, now: datetime) -> CertificateEvent:
    """Start a new printed issue: QR codes of earlier prints become "not current"."""
    before = snapshot(cert)
    cert.issue_number += 1
    cert.updated_at = now
    event = _event(cert, EventKind.REISSUED, effective=effective, reason=reason, note=note,
                   actor=actor, now=now)
    note_changed(cert, now)
    audit_log.record(actor=actor, action="certificate.reissue", entity_type="certificate",
                     entity_id=cert.certificate_number, before=before, after=snapshot(cert),
                     now=now)
    return event


def planned_changes(cert: Certificate, data: CertificateData) -> dict[str, tuple[Any, Any]]:
    """Return {field: (stored, new)} for every field `data` would change."""
    old, new = snapshot(cert), rows.snapshot(data)
    return {name: (old[name], new[name]) for name in DATA_FIELDS
            if name != "certificate_number" and old[name] != new[name]}


def update_certificate(cert: Certificate, data: CertificateData, *, actor: str, now: datetime,
                       scope_change: EventKind | None = None, reason: str = "",
                       note: str = "") -> list[CertificateEvent]:
    """Correct `cert` to match `data`, recording every meaningful change in its history.

    A change of anything printed on the paper starts the next printed issue (a REISSUED event
    saying why), so that QR codes printed before read "superseded". A status change is checked against the transition rules (TransitionError otherwise); a
    new Chinese name keeps the old one in `former_names`.
    """
    changes = planned_changes(cert, data)
    if not changes:
        return []
    if "status" in changes:
        ensure_can_move(cert.status, data.status)
    before = snapshot(cert)
    events: list[CertificateEvent] = []
    today = now.astimezone(CHINA).date()  # certificates are dated in Shanghai, not UTC
    if "holder_name_zh" in changes and cert.holder_name_zh not in data.former_names:
        data.former_names = [*data.former_names, cert.holder_name_zh]
    _assign_fields(cert, data)
    cert.updated_at = now
    if "holder_name_zh" in changes:
        events.append(_event(cert, EventKind.RENAMED, effective=today, actor=actor, now=now,
                             reason=reason, note=note,
                             details={"from": before["holder_name_zh"],
                                      "to": data.holder_name_zh}))
    if "scope_zh" in changes or "scope_en" in changes:
        events.append(_event(cert, scope_change or EventKind.SCOPE_CHANGED, effective=today,
                             actor=actor, now=now, reason=reason, note=note))
    renewed = ("expiry_date" in changes
               and data.expiry_date > date.fromisoformat(before["expiry_date"]))
    if renewed:
        events.append(_event(cert, EventKind.RENEWED, effective=data.issue_date, actor=actor,
                             now=now, details={"expiry_date": data.expiry_date.isoformat(),
                                               "previous_expiry_date": before["expiry_date"]}))
    # An earlier expiry date is a correction of what the paper says, not a renewal: it must
    # reach the history, or a copy printed with the later date would still read "current".
    other = sorted(set(changes) - {"holder_name_zh", "scope_zh", "scope_en", "status",
                                   "status_date", "status_reason", "former_names",
                                   *(("expiry_date",) if renewed else ())})
    if other:
        events.append(_event(cert, EventKind.CORRECTED, effective=today, actor=actor, now=now,
                             reason=reason, note=note, details={"fields": other}))
    if "status" in changes:
        cert.status = data.status
        events.append(_event(cert, EventKind.STATUS, status=data.status,
                             effective=data.status_date or today,
                             reason=data.status_reason, note=note, actor=actor, now=now))
    causes = reissue_causes(changes, renewed=renewed)
    if causes:
        # The paper no longer shows the truth: the events above belong to the issue they made
        # obsolete, the new issue starts now and only its QR code reads "current".
        cert.issue_number += 1
        events.append(_event(cert, EventKind.REISSUED,
                             effective=data.issue_date if renewed else today, actor=actor,
                             now=now, reason=reason, note=note,
                             details={"because": list(causes),
                                      "previous_issue": cert.issue_number - 1}))
    note_changed(cert, now)
    audit_log.record(actor=actor, action="certificate.update", entity_type="certificate",
                     entity_id=cert.certificate_number, before=before, after=snapshot(cert),
                     now=now)
    return events
