"""`PublicCertificate`: what the public may see, with a restricted holder absent, not hidden."""

import dataclasses
import re
from datetime import date
from pathlib import Path

import pytest

from portal import clock
from portal.domain.status import CertificateStatus
from portal.extensions import db
from portal.models import Audit, AuditType
from portal.register.public import PublicCertificate, certificate_json
from portal.services import certificates as certificate_service
from tests.factories import NOW, certificate_data


def renamed(cert, **overrides):
    return certificate_data(certificate_number=cert.certificate_number,
                            holder_name_zh="上海新名有限公司", credit_code=cert.credit_code,
                            restricted=cert.restricted, expiry_date=date(2031, 2, 27),
                            **overrides)


def test_public_certificate_of_an_open_certificate_holds_every_public_field(make_certificate):
    cert = make_certificate(sites=["上海市闵行区1号"], former_names=["上海旧名有限公司"])
    db.session.add(Audit(certificate=cert, audit_type=AuditType.SURVEILLANCE,
                         audit_date=date(2026, 3, 1)))
    db.session.commit()
    public = PublicCertificate.of(cert, clock.today())
    assert public.holder.name_zh == cert.holder_name_zh
    assert public.holder.credit_code == cert.credit_code
    assert public.holder.former_names == ("上海旧名有限公司",)
    assert public.scope.zh == cert.scope_zh and public.scope.sites == ("上海市闵行区1号",)
    assert [a.audit_type for a in public.audits] == ["surveillance"]
    assert public.status_reason == ""
    assert public.history[0].recorded_at is not None
    with pytest.raises(dataclasses.FrozenInstanceError):
        public.holder = None  # type: ignore[misc]


def test_public_certificate_of_a_restricted_certificate_does_not_hold_the_holder(
        make_certificate):
    cert = make_certificate(restricted=True)
    certificate_service.update_certificate(cert, renamed(cert), actor="t", now=NOW)
    certificate_service.change_status(cert, CertificateStatus.SUSPENDED, effective=date(2026, 11, 20),
                                      reason="未按期接受监督审核", actor="t", now=NOW)
    db.session.commit()
    public = PublicCertificate.of(cert, clock.today())
    assert public.holder is None and public.scope is None
    assert public.audits is None and public.status_reason is None
    # Only status changes, dated to the day, without reasons.
    assert {e.kind for e in public.history} == {"issued", "status"}
    assert all(e.reason == "" and e.recorded_at is None for e in public.history)
    assert not public.offers_badge and public.offers_print_qr
    record = certificate_json(public)
    for name in ("holder_name_zh", "holder_name_en", "credit_code", "address_zh", "scope_zh",
                 "sites", "former_names", "status_reason", "province", "city", "audits"):
        assert record[name] is None, name
    assert record["restricted"] is True
    assert [h["reason"] for h in record["status_history"]] == [None, None]


def test_public_templates_do_not_decide_what_a_restricted_certificate_hides():
    """The projection decides; a public template asking `restricted` would duplicate the rule."""
    root = Path(__file__).resolve().parents[2] / "templates"
    offenders = [f"{path.relative_to(root)}:{number}"
                 for path in root.rglob("*") if path.is_file() and path.parts[-2] != "staff"
                 and "staff" not in path.relative_to(root).parts
                 for number, line in enumerate(path.read_text("utf-8").splitlines(), 1)
                 if re.search(r"\.restricted\b|\brestricted\s*(%}|and|or|\))", line)]
    assert offenders == []
