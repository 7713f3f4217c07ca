"""How many acknowledgements one mailbox may get: the portal must not mail anyone on demand.

Anyone may type any address into the complaint or report form, and the portal answers with
an official e-mail. Per client address the forms are rate-limited; per recipient at most
ACK_MAILS_PER_ADDRESS acknowledgements go out in ACK_MAIL_WINDOW, however the address is
spelt (case, `+tags`, dots in a Gmail address). The case is filed all the same, and the page
shows its reference and tracking code.
"""

from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import func, or_, select

from portal.extensions import db

ACK_MAILS_PER_ADDRESS: Final = 3
ACK_MAIL_WINDOW: Final = timedelta(days=1)
_GMAIL: Final = frozenset({"gmail.com", "googlemail.com"})


def normalise_address(email: str) -> str:
    """Return the mailbox an address delivers to: `A.Li+x@GMail.com` -> `ali@gmail.com`."""
    local, _, domain = (email or "").strip().lower().rpartition("@")
    local = local.split("+", 1)[0]
    if domain in _GMAIL:
        local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}"


def _domains(address: str) -> set[str]:
    domain = address.rpartition("@")[2]
    return set(_GMAIL) if domain in _GMAIL else {domain}


def acknowledgement_allowed(email_column: Any, time_column: Any, email: str, *,
                            now: datetime) -> bool:
    """Tell whether the row just filed with `email` may still be acknowledged by mail.

    Counts the rows (this one included) whose address reaches the same mailbox, filed within
    ACK_MAIL_WINDOW before `now`.
    """
    address = normalise_address(email)
    escaped = [d.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
               for d in _domains(address)]
    recent = db.session.scalars(select(email_column).where(
        time_column > now - ACK_MAIL_WINDOW, time_column <= now,
        or_(*(func.lower(email_column).like(f"%@{d}", escape="\\") for d in escaped)),
    ).limit(1000)).all()
    same = sum(1 for other in recent if normalise_address(other) == address)
    return same <= ACK_MAILS_PER_ADDRESS
