"""The public verification page of one certificate."""

from flask import render_template

from portal import clock
from portal.certificates import bp
from portal.domain.codes import is_well_formed_number
from portal.services import certificates as certificate_service


@bp.get("/<path:number>")
def detail(number: str) -> tuple[str, int] | str:
    """Public verification page for one certificate."""
    cert = certificate_service.get_by_number(number)
    if cert is None:
        return render_template("certificates/not_found.html", number=number,
                               well_formed=is_well_formed_number(number)), 404
    return render_template("certificates/detail.html", cert=cert,
                           status=cert.public_status(clock.today()))
