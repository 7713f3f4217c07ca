"""The certificate verification portal: `create_app()` builds a configured Flask app."""

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, g, request_started

from portal.config import DefaultConfig, finish_config, settings_from_environ
from portal.extensions import babel, csrf, db, limiter, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent


def _fresh_globals(sender: Flask, **extra: Any) -> None:
    g.__dict__.clear()


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    """Create a configured portal app; `overrides` wins over every other source."""
    app = Flask(__name__, instance_path=str(ROOT / "instance"), instance_relative_config=True,
                template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"))
    app.config.from_object(DefaultConfig)
    app.config.from_pyfile("portal.cfg", silent=True)  # instance/portal.cfg on the server
    app.config.update(settings_from_environ(os.environ))
    app.config.update(overrides or {})
    finish_config(app.config, app.instance_path)

    from portal import i18n

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    babel.init_app(app, locale_selector=i18n.pick_locale)
    csrf.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)
    i18n.init_app(app)

    from portal import errors, render_cache, security, templating
    from portal.services import search as search_service

    templating.init_app(app)
    render_cache.init_app(app)
    errors.init_app(app)
    security.init_app(app)
    search_service.init_app(app)

    from portal import (
        api,
        applications,
        certificates,
        complaints,
        opendata,
        public,
        qr,
        search,
        staff,
        suppliers,
        surveys,
        transparency,
    )

    for package in (public, certificates, qr, suppliers, search, complaints, staff, api,
                    transparency, applications, surveys, opendata):
        app.register_blueprint(package.bp)
    csrf.exempt(api.bp)  # the JSON API takes no cookies-based session; no CSRF to protect

    # Every request starts with an empty `g`, as in production, even when a test keeps one app
    # context open across requests (Flask reuses it): cached locale and login would leak.
    request_started.connect(_fresh_globals, app)

    from portal.cli import register_commands

    register_commands(app)
    return app
