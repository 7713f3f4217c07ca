"""While another process holds the index write lock, searches still answer (no LockError)."""

import pytest

from portal.services import search as search_service
from search_index import open_index
from tests import conftest


@pytest.fixture
def app_config(tmp_path):
    return conftest.test_config(tmp_path, SEARCH_INDEX_DIR=str(tmp_path / "index"))


def total(client, q):
    response = client.get("/api/v1/certificates", query_string={"q": q})
    assert response.status_code == 200
    return response.get_json()["total"]


def test_search_serves_the_last_generation_while_another_writer_holds_the_lock(
        app, client, make_certificate, tmp_path):
    make_certificate(holder_name_zh="上海锁前测试有限公司")
    assert total(client, "锁前测试") == 1
    other_process = open_index(str(tmp_path / "index"))  # its own lock file handle
    with other_process.batch(timeout=1):
        make_certificate(holder_name_zh="上海锁后测试有限公司")
        assert total(client, "锁前测试") == 1
        assert total(client, "锁后测试") == 0  # not yet applied: the lock is taken
    search_service.service()._checked = float("-inf")  # skip the busy back-off
    assert total(client, "锁后测试") == 1
