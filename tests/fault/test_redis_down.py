"""Redis stopped: the site keeps serving and rate limits fall back to per-process counters.

Our own redis-server (never the machine's shared one) holds the rate-limit counters; it is
stopped while the app serves. Flask-Limiter then counts in memory (RATELIMIT_SWALLOW_ERRORS,
RATELIMIT_IN_MEMORY_FALLBACK_ENABLED, half-second socket timeouts from config.py), so pages
answer and limits still apply, per process, until Redis is back.
"""

import shutil
import time

import pytest

from portal import create_app
from portal.extensions import db
from tests import conftest
from tests.fault.servers import Redis

pytestmark = pytest.mark.slow

LIMIT = 5


@pytest.fixture
def redis():
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = Redis()
    server.start()
    yield server
    server.stop()


def test_pages_answer_and_limits_hold_while_redis_is_down(redis, tmp_path):
    config = conftest.test_config(tmp_path, RATELIMIT_ENABLED=True, REDIS_URL=redis.url,
                                  RATELIMIT_DEFAULT=f"{LIMIT} per minute",
                                  HANDLE_ALL_ERRORS=True,
                                  SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'r.db'}")
    app = create_app(config)
    assert app.config["RATELIMIT_STORAGE_URI"] == redis.url
    with app.app_context():
        db.create_all()
        client = app.test_client()

        def statuses(address: str, count: int) -> list[int]:
            return [client.get("/about", environ_base={"REMOTE_ADDR": address}).status_code
                    for _ in range(count)]

        assert statuses("10.0.0.1", LIMIT + 1) == [200] * LIMIT + [429]  # counted in Redis
        redis.stop()
        started = time.monotonic()
        down = statuses("10.0.0.2", LIMIT + 2)
        elapsed = time.monotonic() - started
        assert 500 not in down
        assert down[:LIMIT] == [200] * LIMIT and down[-1] == 429  # counted in memory
        assert elapsed < 10, f"{elapsed:.1f} s for {LIMIT + 2} requests with Redis down"
        redis.start()
        assert statuses("10.0.0.3", 1) == [200]
