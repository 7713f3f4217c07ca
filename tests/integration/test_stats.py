"""docs/contract.md §6 statistics: each column's definition on small hand-made registers, and the API."""

from datetime import UTC, date, datetime

import pytest

from portal.domain.records import CertificateData
from portal.domain.status import CertificateStatus as S
from portal.extensions import db
from portal.models import Audit, AuditType
from portal.services import certificates as certificate_service
from portal.services.stats import COLUMNS, compute_statistics, statistics

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


def row(stats, scheme):
    return next(r for r in stats.rows if r.scheme == scheme)


def change(cert, target, day, reason="x"):
    certificate_service.change_status(cert, target, effective=day, reason=reason, actor="t",
                                      now=NOW)


def test_valid_counts_certificates_in_force_on_31_december(make_certificate):
    make_certificate(initial_issue_date=date(2020, 1, 1), issue_date=date(2020, 1, 1),
                     expiry_date=date(2023, 1, 1))  # in force on 2022-12-31
    make_certificate(initial_issue_date=date(2020, 1, 1), issue_date=date(2020, 1, 1),
                     expiry_date=date(2022, 12, 30))  # expired two days before
    make_certificate(initial_issue_date=date(2023, 1, 2), issue_date=date(2023, 1, 2),
                     expiry_date=date(2026, 1, 1))  # not yet issued
    suspended = make_certificate(initial_issue_date=date(2021, 5, 1),
                                 issue_date=date(2021, 5, 1), expiry_date=date(2024, 4, 30))
    change(suspended, S.SUSPENDED, date(2022, 6, 1))  # still suspended at year end
    restored = make_certificate(initial_issue_date=date(2021, 5, 1),
                                issue_date=date(2021, 5, 1), expiry_date=date(2024, 4, 30))
    change(restored, S.SUSPENDED, date(2022, 3, 1))
    change(restored, S.VALID, date(2022, 5, 1))  # restored: in force again
    withdrawn_later = make_certificate(initial_issue_date=date(2021, 5, 1),
                                       issue_date=date(2021, 5, 1), expiry_date=date(2024, 4, 30))
    change(withdrawn_later, S.WITHDRAWN, date(2023, 2, 1))  # withdrawn only in 2023
    db.session.commit()
    stats = compute_statistics(2022)
    assert row(stats, "QMS").valid == 3
    assert row(stats, "QMS").suspended == 2
    assert row(stats, "QMS").withdrawn == 0
    assert row(compute_statistics(2023), "QMS").withdrawn == 1


def test_renewal_after_year_end_uses_the_expiry_that_applied_then(make_certificate):
    cert = make_certificate(initial_issue_date=date(2019, 1, 1), issue_date=date(2019, 1, 1),
                            expiry_date=date(2021, 12, 31))
    data = CertificateData(**{**{f: getattr(cert, f) for f in (
        "certificate_number", "scheme", "standard", "holder_name_zh", "scope_zh")},
        "issue_date": date(2022, 1, 5), "expiry_date": date(2025, 1, 4), "status": S.VALID,
        "initial_issue_date": date(2019, 1, 1), "credit_code": cert.credit_code,
        "holder_name_en": cert.holder_name_en, "address_zh": cert.address_zh,
        "address_en": cert.address_en, "province": cert.province, "city": cert.city,
        "scope_en": cert.scope_en, "accreditation": cert.accreditation})
    certificate_service.update_certificate(cert, data, actor="t", now=NOW)
    db.session.commit()
    assert row(compute_statistics(2021), "QMS").valid == 1  # old expiry 2021-12-31 applied
    assert row(compute_statistics(2022), "QMS").valid == 1
    assert row(compute_statistics(2020), "QMS").valid == 1


def test_newly_issued_surveillance_and_status_changes_by_year(make_certificate):
    new = make_certificate(scheme="EMS", initial_issue_date=date(2022, 4, 1),
                           issue_date=date(2022, 4, 1), expiry_date=date(2025, 3, 31))
    old = make_certificate(scheme="EMS", initial_issue_date=date(2016, 4, 1),
                           issue_date=date(2022, 4, 1), expiry_date=date(2025, 3, 31))
    for day in (date(2022, 3, 1), date(2022, 9, 1), date(2023, 3, 1)):
        db.session.add(Audit(certificate=old, audit_type=AuditType.SURVEILLANCE, audit_date=day))
    db.session.add(Audit(certificate=new, audit_type=AuditType.INITIAL, audit_date=date(2022, 3, 1)))
    change(old, S.CANCELLED, date(2022, 12, 31), "获证组织申请")
    db.session.commit()
    ems = row(compute_statistics(2022), "EMS")
    assert (ems.newly_issued, ems.surveillance_audits, ems.cancelled, ems.valid) == (1, 2, 1, 1)
    assert row(compute_statistics(2022), "QMS").values() == (0,) * len(COLUMNS)


def test_category_subtotals_sum_their_schemes(make_certificate):
    make_certificate(scheme="GREEN_PRODUCT", initial_issue_date=date(2022, 2, 1),
                     issue_date=date(2022, 2, 1), expiry_date=date(2027, 1, 31))
    vp = make_certificate(scheme="VOLUNTARY_PRODUCT", initial_issue_date=date(2022, 2, 1),
                          issue_date=date(2022, 2, 1), expiry_date=date(2027, 1, 31))
    change(vp, S.WITHDRAWN, date(2022, 8, 8))
    db.session.commit()
    stats = compute_statistics(2022)
    product = next(s for s in stats.subtotals if s.category == "product")
    assert (product.valid, product.newly_issued, product.withdrawn) == (1, 2, 1)
    assert [s.category for s in stats.subtotals] == ["management", "product", "service"]


def test_pages_get_the_table_again_until_the_register_changes(client, make_certificate):
    cert = make_certificate(initial_issue_date=date(2022, 2, 1), issue_date=date(2022, 2, 1),
                            expiry_date=date(2025, 1, 31))
    db.session.commit()
    first = statistics(2022)
    assert statistics(2022) is first  # nothing changed: not computed again
    assert statistics(2021) is not first and statistics(2021).year == 2021

    change(cert, S.SUSPENDED, date(2022, 6, 1))  # a status change (history appended)
    db.session.commit()
    assert row(statistics(2022), "QMS").suspended == 1
    assert client.get("/api/v1/stats?year=2022").json["rows"][0]["suspended"] == 1

    db.session.add(Audit(certificate=cert, audit_type=AuditType.SURVEILLANCE,
                         audit_date=date(2022, 9, 1)))  # an audit
    db.session.commit()
    assert row(statistics(2022), "QMS").surveillance_audits == 1

    make_certificate(scheme="EMS", initial_issue_date=date(2022, 3, 1),
                     issue_date=date(2022, 3, 1), expiry_date=date(2025, 2, 28))  # a new one
    db.session.commit()
    assert row(statistics(2022), "EMS").newly_issued == 1
    assert "EMS" in client.get("/transparency.csv?year=2022").get_data(as_text=True)
    assert statistics(2022).rows == compute_statistics(2022).rows


def test_a_correction_without_new_history_still_changes_the_table(make_certificate):
    cert = make_certificate(scheme="QMS", initial_issue_date=date(2022, 2, 1),
                            issue_date=date(2022, 2, 1), expiry_date=date(2025, 1, 31))
    db.session.commit()
    assert row(statistics(2022), "QMS").newly_issued == 1
    data = CertificateData(**{**{f: getattr(cert, f) for f in (
        "certificate_number", "standard", "holder_name_zh", "scope_zh", "issue_date",
        "expiry_date", "initial_issue_date")}, "scheme": "EMS", "status": S.VALID})
    certificate_service.update_certificate(cert, data, actor="t", now=NOW)  # scheme corrected
    db.session.commit()
    stats = statistics(2022)
    assert (row(stats, "QMS").newly_issued, row(stats, "EMS").newly_issued) == (0, 1)


def test_stats_api_returns_the_table(client, make_certificate):
    make_certificate(initial_issue_date=date(2022, 2, 1), issue_date=date(2022, 2, 1),
                     expiry_date=date(2025, 1, 31))
    body = client.get("/api/v1/stats?year=2022").json
    assert body["year"] == 2022
    assert body["columns"] == list(COLUMNS)
    assert [r["scheme"] for r in body["rows"]][:3] == ["QMS", "EMS", "OHSMS"]
    assert body["rows"][0]["valid"] == 1 and body["rows"][0]["newly_issued"] == 1
    assert body["subtotals"][0] == {"category": "management", "valid": 1, "newly_issued": 1,
                                    "surveillance_audits": 0, "suspended": 0, "withdrawn": 0,
                                    "cancelled": 0}


@pytest.mark.parametrize("year", ["abc", "20222", "1800", "3000", "-1", "2022.0", "2022 OR 1=1", "२०२२"])
def test_stats_api_rejects_bad_years_with_the_error_shape(client, year):
    response = client.get(f"/api/v1/stats?year={year}")
    assert response.status_code == 400
    assert response.json["error"]["code"] == "bad_parameter"


def test_stats_api_accepts_full_width_digits(client):
    assert client.get("/api/v1/stats?year=２０２２").json["year"] == 2022


def test_stats_api_defaults_to_last_full_year(client):
    from portal import clock

    assert client.get("/api/v1/stats").json["year"] == clock.today().year - 1
