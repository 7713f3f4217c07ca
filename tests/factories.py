"""Small `make_*` fixtures with sensible defaults."""

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest

from portal.domain.codes import make_credit_code
from portal.domain.records import CertificateData
from portal.domain.status import CertificateStatus
from portal.extensions import db
from portal.models import Certificate
from portal.services import certificates as certificate_service

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
_counter = {"n": 0}


def certificate_data(**overrides: Any) -> CertificateData:
    """Return valid CertificateData; any field may be overridden."""
    _counter["n"] += 1
    n = _counter["n"]
    values: dict[str, Any] = {
        "certificate_number": f"02725Q{10000 + n}R1M",
        "scheme": "QMS",
        "standard": "GB/T 19001-2016/ISO 9001:2015",
        "holder_name_zh": f"上海华虹电子测试{n}有限公司",
        "holder_name_en": f"Shanghai Huahong Electronics Test {n} Co., Ltd.",
        "credit_code": make_credit_code(f"91310115MA1H{n:05d}"[:17]),
        "address_zh": "上海市浦东新区张江路100号",
        "address_en": "100 Zhangjiang Road, Pudong New Area, Shanghai",
        "province": "上海市",
        "city": "上海市",
        "scope_zh": "集成电路的设计和销售",
        "scope_en": "Design and sale of integrated circuits",
        "sites": [],
        "initial_issue_date": date(2019, 3, 1),
        "issue_date": date(2025, 3, 1),
        "expiry_date": date(2028, 2, 28),
        "status": CertificateStatus.VALID,
        "accreditation": "CNAS",
    }
    values.update(overrides)
    if isinstance(values["status"], str):
        values["status"] = CertificateStatus(values["status"])
    return CertificateData(**values)


@pytest.fixture
def make_certificate(app: Any) -> Callable[..., Certificate]:
    """Create and commit a certificate; keyword arguments override CertificateData fields."""

    def make(*, actor: str = "test", now: datetime = NOW, **overrides: Any) -> Certificate:
        cert = certificate_service.create_certificate(certificate_data(**overrides), actor=actor,
                                                      now=now)
        db.session.commit()
        return cert

    return make
