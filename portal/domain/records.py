"""The plain data of one certificate row, as read from CSV/XLSX, a form or the API."""

from dataclasses import dataclass, field, fields
from datetime import date

from portal.domain.status import CertificateStatus

# Column names and order of CSV import/export (docs/contract.md §2); part of the contract.
CERTIFICATE_COLUMNS: tuple[str, ...] = (
    "certificate_number", "scheme", "standard", "holder_name_zh", "holder_name_en",
    "credit_code", "address_zh", "address_en", "province", "city", "scope_zh", "scope_en",
    "sites", "initial_issue_date", "issue_date", "expiry_date", "status", "status_date",
    "status_reason", "accreditation", "former_names", "restricted",
)
REQUIRED_COLUMNS: frozenset[str] = frozenset({
    "certificate_number", "scheme", "standard", "holder_name_zh", "scope_zh", "issue_date",
    "expiry_date", "status",
})
AUDIT_COLUMNS: tuple[str, ...] = ("certificate_number", "audit_type", "audit_date")


@dataclass
class CertificateData:
    """Every docs/contract.md §2 field of one certificate, already parsed and checked."""

    certificate_number: str
    scheme: str
    standard: str
    holder_name_zh: str
    scope_zh: str
    issue_date: date
    expiry_date: date
    status: CertificateStatus
    holder_name_en: str = ""
    credit_code: str = ""
    address_zh: str = ""
    address_en: str = ""
    province: str = ""
    city: str = ""
    scope_en: str = ""
    sites: list[str] = field(default_factory=list)
    initial_issue_date: date | None = None
    status_date: date | None = None
    status_reason: str = ""
    accreditation: str = ""
    former_names: list[str] = field(default_factory=list)
    restricted: bool = False


DATA_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(CertificateData))
