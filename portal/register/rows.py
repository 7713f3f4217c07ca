"""The stored form of a certificate: one snapshot conversion and one builder of new rows.

`snapshot` turns a stored certificate or a checked record into the JSON-ready field values
the audit log, change plans and the import compare. `certificate_row`, `site_rows` and
`creation_events` give the rows a new certificate is stored as; the ORM path
(`services.certificates.create_certificate`), the bulk import
(`services.importing.bulk_create_certificates`) and the demo data (`services.demo`) all build
them here, so a certificate looks the same whichever path wrote it.
"""

from collections.abc import Sequence
from datetime import date, datetime
from enum import Enum
from typing import Any

from portal.domain.codes import number_key
from portal.domain.records import DATA_FIELDS, CertificateData
from portal.domain.status import CertificateStatus
from portal.models import Certificate, EventKind

_ROW_FIELDS = tuple(name for name in DATA_FIELDS if name not in ("sites", "certificate_number"))


def json_value(value: Any) -> Any:
    """Return a field value as JSON keeps it: ISO dates, enum values, a copy of a list."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list):
        return list(value)
    return value


def snapshot(record: Certificate | CertificateData, issue_number: int | None = None
             ) -> dict[str, Any]:
    """Return every field (docs/contract.md §2) of `record` as JSON-ready values, and its
    issue number.

    A record not yet stored (CertificateData) is issue 1 unless `issue_number` says otherwise;
    its number is taken as it will be stored (without surrounding spaces).
    """
    stored = isinstance(record, Certificate)
    out: dict[str, Any] = {}
    for name in DATA_FIELDS:
        if name == "sites":
            value = record.site_addresses if isinstance(record, Certificate) else record.sites
        else:
            value = getattr(record, name)
        out[name] = json_value(value)
    if not stored:
        out["certificate_number"] = out["certificate_number"].strip()
    out["issue_number"] = (issue_number if issue_number is not None
                           else record.issue_number if isinstance(record, Certificate) else 1)
    return out


def certificate_row(data: CertificateData, *, now: datetime, issue_number: int = 1,
                    is_demo: bool = False, created_at: datetime | None = None,
                    updated_at: datetime | None = None) -> dict[str, Any]:
    """Return the `certificates` row of a new certificate made from `data`."""
    row = {name: getattr(data, name) for name in _ROW_FIELDS}
    row.update(certificate_number=data.certificate_number.strip(),
               number_key=number_key(data.certificate_number), issue_number=issue_number,
               is_demo=is_demo, created_at=created_at or now, updated_at=updated_at or now)
    return row


def site_rows(addresses: Sequence[str]) -> list[dict[str, Any]]:
    """Return the `certificate_sites` rows of a certificate's other sites, in order."""
    return [{"position": i, "address": address} for i, address in enumerate(addresses)]


def creation_events(data: CertificateData, *, actor: str, now: datetime,
                    issue_number: int = 1) -> list[dict[str, Any]]:
    """Return the history of a new certificate: issued (valid), then its status if another.

    A certificate entered as suspended, withdrawn or cancelled was valid first: the register
    shows both steps, the second dated `status_date` (or the issue date).
    """
    def event(**values: Any) -> dict[str, Any]:
        return {"public_reason": "", "internal_note": "", "actor": actor, "recorded_at": now,
                "issue_number": issue_number, "details": {}} | values

    events = [event(kind=EventKind.ISSUED, status=CertificateStatus.VALID,
                    effective_date=data.initial_issue_date or data.issue_date)]
    if data.status is not CertificateStatus.VALID:
        events.append(event(kind=EventKind.STATUS, status=data.status,
                            effective_date=data.status_date or data.issue_date,
                            public_reason=data.status_reason))
    return events
