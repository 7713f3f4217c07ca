"""One home for the certificate field rules: `check_certificate` (#11)."""

from datetime import date

import pytest
from bs4 import BeautifulSoup
from flask_babel import force_locale

from portal.domain.status import CertificateStatus
from portal.register.validation import check_certificate
from tests.import_support import row
from tests.staff_support import signed_in_client


def test_a_valid_certificate_comes_back_as_a_record(app):
    record, problems = check_certificate(row(sites="苏州市星湖街1号；杭州市江南大道2号",
                                             restricted="TRUE"))
    assert problems == []
    assert record is not None
    assert record.issue_date == date(2025, 3, 1) and record.status is CertificateStatus.VALID
    assert record.sites == ["苏州市星湖街1号", "杭州市江南大道2号"] and record.restricted


def test_every_problem_is_reported_by_column_with_no_record(app):
    record, problems = check_certificate(row(
        certificate_number="", scheme="ABC", credit_code="91350100M000100Y44",
        issue_date="2025-02-30", expiry_date="2024-01-01", status="expired", restricted="yes"))
    assert record is None
    assert {p.column: p.english() for p in problems} == {
        "certificate_number": "required, but empty",
        "scheme": "unknown scheme ABC; use one of QMS, EMS, OHSMS, SRMS, OTHER_MS, "
                  "GREEN_PRODUCT, VOLUNTARY_PRODUCT, REAL_ESTATE_SERVICE",
        "status": "expired is derived from expiry_date and is never imported; give the "
                  "stored status (valid or suspended)",
        "credit_code": "91350100M000100Y44: check digit should be 3, not 4",
        "restricted": "yes: use true or false",
        "issue_date": "2025-02-30 is not a day of the calendar",
    }


def test_problems_are_given_in_the_readers_language(app):
    _, problems = check_certificate(row(expiry_date="2025-01-01"))
    with app.test_request_context(), force_locale("zh_CN"):
        assert [p.translated() for p in problems] != [p.english() for p in problems]
    assert problems[0].english() == "2025-01-01 must be after issue_date 2025-03-01"


@pytest.mark.parametrize("lang, expected", [
    ("en", "91350100M000100Y44: check digit should be 3, not 4"),
    ("zh", "91350100M000100Y44：校验码应为 3，而不是 4"),
])
def test_the_staff_form_shows_each_problem_beside_its_field(app, lang, expected):
    registrar = signed_in_client(app, "registrar")
    response = registrar.post(f"/staff/certificates/new?lang={lang}", data={
        "certificate_number": "02725Q66666R1M", "scheme": "QMS", "standard": "GB/T 19001",
        "holder_name_zh": "上海新增有限公司", "scope_zh": "销售", "issue_date": "2025-03-01",
        "expiry_date": "2025-01-01", "status": "valid", "credit_code": "91350100M000100Y44"})
    assert response.status_code == 200
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert expected in page.select_one("#credit_code-error").get_text()
    assert "2025-01-01" in page.select_one("#expiry_date-error").get_text()
    assert page.select_one("#certificate_number-error") is None
