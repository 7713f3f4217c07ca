"""`portal run --host --port` (`make run PORT=...`) makes public links follow the server.

When PUBLIC_BASE_URL is unset, QR codes, receipts, badge snippets, e-mails, feeds and the
"trust only <host>" notice name the address the development server really listens on; an
explicitly set PUBLIC_BASE_URL still wins.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from portal import config as portal_config
from portal import create_app

ROOT = Path(__file__).resolve().parents[2]
PORTAL = Path(sys.executable).with_name("portal")


@pytest.fixture(autouse=True)
def _forget_served_address(monkeypatch):
    monkeypatch.setattr(portal_config, "_served_at", None, raising=False)


def _serve(monkeypatch, tmp_path, args: list[str], **env: str):
    """Run `portal run ARGS` in-process with the server itself replaced; return its app."""
    import flask.cli

    from portal.cli import main

    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'run.sqlite3'}")
    monkeypatch.setenv("SEARCH_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("SECRET_KEY", "test-secret-key")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    served = {}
    monkeypatch.setattr(flask.cli, "run_simple",
                        lambda host, port, app, **kw: served.update(host=host, port=port,
                                                                     app=app))
    result = CliRunner().invoke(main, ["run", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return served, result.output


def test_make_run_port_moves_every_public_link(monkeypatch, tmp_path):
    served, output = _serve(monkeypatch, tmp_path, ["--host", "127.0.0.1", "--port", "5111"])
    assert served["port"] == 5111
    assert served["app"].config["PUBLIC_BASE_URL"] == "http://127.0.0.1:5111"
    assert "point to http://127.0.0.1:5111" in output


def test_a_set_public_base_url_still_wins(monkeypatch, tmp_path):
    served, output = _serve(monkeypatch, tmp_path, ["--port", "5111"],
                            PUBLIC_BASE_URL="https://verify.example.cn")
    assert served["app"].config["PUBLIC_BASE_URL"] == "https://verify.example.cn"
    assert "PUBLIC_BASE_URL is set" in output


@pytest.mark.parametrize("host, expected", [
    ("0.0.0.0", "http://127.0.0.1:5111"),  # a wildcard is not an address to open
    ("192.168.1.20", "http://192.168.1.20:5111"),
    ("::1", "http://[::1]:5111"),
])
def test_the_host_names_the_address(host, expected):
    assert portal_config.serve_at(host, 5111) == expected
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://",
                      "SEARCH_INDEX_DIR": ":memory:"})
    assert app.config["PUBLIC_BASE_URL"] == expected


def test_without_run_the_default_is_make_runs_address(monkeypatch):
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://",
                      "SEARCH_INDEX_DIR": ":memory:"})
    assert app.config["PUBLIC_BASE_URL"] == "http://127.0.0.1:5000"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, attempts: int = 150) -> str:
    for _ in range(attempts):
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read().decode()
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} never answered")


@pytest.mark.slow
def test_a_real_server_on_another_port_links_to_itself(tmp_path):
    """Start `portal run --port N` as `make run PORT=N` does and read what it publishes."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "PUBLIC_BASE_URL"}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'run.sqlite3'}",
               SEARCH_INDEX_DIR=str(tmp_path / "index"), SECRET_KEY="test-secret-key",
               OUTBOX_DIR=str(tmp_path / "outbox"), FLASK_DEBUG="0")
    subprocess.run([str(PORTAL), "init-db"], env=env, cwd=ROOT, check=True,
                   capture_output=True)
    server = subprocess.Popen([str(PORTAL), "run", "--host", "127.0.0.1", "--port", str(port)],
                              env=env, cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        scan = _get(f"{base}/scan?lang=en")
        assert f"127.0.0.1:{port}" in scan and "127.0.0.1:5000" not in scan
        api = _get(f"{base}/api/v1/openapi.json")
        assert f'"url":"{base}/api/v1"' in api.replace(" ", "")
    finally:
        server.terminate()
        server.wait(timeout=10)
