"""All models, imported here so that metadata and migrations see every table."""

from portal.models.alert import Alert, AlertKind
from portal.models.audit_log import AuditLogEntry
from portal.models.certificate import (
    Audit,
    AuditType,
    Certificate,
    CertificateEvent,
    EventKind,
    Site,
)
from portal.models.search_change import SearchChange
from portal.models.setting import Setting
from portal.models.staff import Role, User

__all__ = [
    "Alert", "AlertKind", "Audit", "AuditLogEntry", "AuditType", "Certificate",
    "CertificateEvent", "EventKind", "Role", "SearchChange", "Setting", "Site", "User",
]
# Models owned by other features live in their own files, imported here so that create_all
# and migrations see them.
from portal.models import application as _application  # noqa: F401
from portal.models import checked_list as _checked_list  # noqa: F401
from portal.models import complaint as _complaint  # noqa: F401
from portal.models import list_watch as _list_watch  # noqa: F401
from portal.models import receipt as _receipt  # noqa: F401
from portal.models import subscription as _subscription  # noqa: F401
from portal.models import survey as _survey  # noqa: F401
from portal.models import webhook as _webhook  # noqa: F401
