"""Rate limits of the certificate API answer 429 in the docs/contract.md §4 error shape."""

import pytest

from portal.api.certificates import VERIFY_LIMIT
from tests import conftest


@pytest.fixture
def app_config(tmp_path):
    return conftest.test_config(tmp_path, RATELIMIT_ENABLED=True)


def test_verify_is_rate_limited_with_json_error(client):
    allowed = int(VERIFY_LIMIT.split()[0])
    for _ in range(allowed):
        assert client.post("/api/v1/certificates/verify",
                           json={"certificate_numbers": []}).status_code == 200
    response = client.post("/api/v1/certificates/verify", json={"certificate_numbers": []})
    assert response.status_code == 429
    assert response.get_json()["error"]["code"] == "rate_limited"
    assert "Retry-After" in response.headers or "X-RateLimit-Reset" in response.headers
