"""/scan uploads and receipts are rate-limited per address; reading pages is not."""

import pytest

from portal.qr.views import RECEIPT_LIMIT, SCAN_LIMIT
from tests import conftest


@pytest.fixture
def app_config(tmp_path):
    return conftest.test_config(tmp_path, RATELIMIT_ENABLED=True)


def test_scan_posts_are_limited_per_minute(client):
    allowed = int(SCAN_LIMIT.split()[0])
    for _ in range(allowed):
        assert client.post("/scan", data={"text": "02722Q10234R3M"}).status_code == 200
    response = client.post("/scan?lang=en", data={"text": "02722Q10234R3M"})
    assert response.status_code == 429
    assert client.get("/scan").status_code == 200  # the page itself stays open


def test_receipts_are_limited_per_hour(client, make_certificate):
    cert = make_certificate()
    allowed = int(RECEIPT_LIMIT.split()[0])
    for _ in range(allowed):
        assert client.post(f"/certificates/{cert.certificate_number}/receipt").status_code == 303
    assert client.post(f"/certificates/{cert.certificate_number}/receipt").status_code == 429
    assert client.get(f"/certificates/{cert.certificate_number}/receipt").status_code == 200
