"""Pages that answer "can I rely on this?": the parts every verification page shares."""

from collections.abc import Sequence

from flask import render_template

from portal import clock
from portal.domain.codes import is_well_formed_number
from portal.domain.verdict import Verdict
from portal.models import Alert, AlertKind
from portal.register.public import PublicCertificate, alerts_for_number
from portal.services import verification


def counterfeit_alerted(alerts: Sequence[Alert]) -> bool:
    """Tell whether one of the public warnings publishes the number as counterfeit."""
    return any(alert.kind is AlertKind.COUNTERFEIT_NUMBER for alert in alerts)


def certificate_verdict(public: PublicCertificate, alerts: Sequence[Alert]) -> Verdict:
    """The verdict a certificate page (no name, no scanned copy) shows."""
    return verification.verdict_for(public.status, counterfeit=counterfeit_alerted(alerts))


def not_found_page(raw: str, *, printed: str = "", near: bool = True) -> str:
    """Render the answer for a number the register does not hold, with its verdict.

    The verdict says "known counterfeit" for a number on the alert list, "another body's
    number" for another issuer's pattern, "not issued by this body" otherwise; the numbers
    one typing slip away keep the typed company name in their links.
    """
    number = raw.strip()
    well_formed = is_well_formed_number(number)
    alerts = alerts_for_number(number) if well_formed else []
    outcome = (verification.verdict_for(None, number=number,
                                        counterfeit=counterfeit_alerted(alerts))
               if well_formed else None)
    nearest = (verification.nearest_numbers(number, clock.today())
               if near and well_formed and not counterfeit_alerted(alerts) else [])
    return render_template("certificates/not_found.html", number=verification.printable(number),
                           well_formed=well_formed, near=nearest, alerts=alerts,
                           outcome=outcome, printed=printed,
                           national_platform=verification.NATIONAL_PLATFORM_URL)
