"""Browser-test fixtures: a live server in a thread and Playwright on Debian's Chromium."""

import os
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from portal import create_app
from portal.extensions import db

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage"]


@dataclass
class LiveServer:
    app: Flask
    url: str

    def run(self, fn: Callable[[], Any]) -> Any:
        """Run `fn` inside the served app's context (to add data, read the database)."""
        with self.app.app_context():
            try:
                return fn()
            finally:
                db.session.remove()


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    """Serve a fresh portal app on 127.0.0.1 in a background thread."""
    from tests.conftest import TEST_DATABASE_URL, fresh_schema_once, reset_database, test_config

    url = TEST_DATABASE_URL or f"sqlite:///{tmp_path / 'live.sqlite3'}"
    app = create_app(test_config(tmp_path, SQLALCHEMY_DATABASE_URI=url,
                                 WTF_CSRF_ENABLED=True, HANDLE_ALL_ERRORS=True))
    with app.app_context():
        fresh_schema_once()
        db.create_all()
        reset_database()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(app=app, url=f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        with app.app_context():
            db.session.remove()
            if TEST_DATABASE_URL:
                reset_database()
            db.engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """A headless Chromium driven by Playwright (skipped when Chromium is not installed)."""
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}; run `make browser-deps`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser: Any) -> Iterator[Callable[..., Any]]:
    """Open pages at a given viewport and locale: `new_page(viewport=PHONE, locale="en")`."""
    contexts: list[Any] = []

    def make(viewport: dict[str, int] | None = None, locale: str = "zh-CN",
             java_script_enabled: bool = True) -> Any:
        context = browser.new_context(viewport=viewport or DESKTOP, locale=locale,
                                      java_script_enabled=java_script_enabled)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page screenshot under test-artifacts/screenshots/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
