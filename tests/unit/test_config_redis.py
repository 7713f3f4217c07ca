"""A Redis that stops answering costs a request half a second, not a hung worker."""

from pathlib import Path

from portal.config import DefaultConfig, finish_config


def test_redis_rate_limit_storage_gives_up_quickly(tmp_path: Path):
    config = {**{k: v for k, v in vars(DefaultConfig).items() if k.isupper()},
              "REDIS_URL": "redis://127.0.0.1:6379/5", "SECRET_KEY": "x"}
    finish_config(config, str(tmp_path))
    assert config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/5"
    options = config["RATELIMIT_STORAGE_OPTIONS"]
    assert options["socket_connect_timeout"] <= 1 and options["socket_timeout"] <= 1
    assert config["RATELIMIT_SWALLOW_ERRORS"] and config["RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"]
