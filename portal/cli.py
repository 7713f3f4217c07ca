"""The `portal` command group (a Flask CLI group; `portal --help` lists every command)."""

import getpass
from pathlib import Path
from typing import Any

import click
from flask import Flask
from flask.cli import FlaskGroup, ScriptInfo, run_command, with_appcontext


def cli_actor() -> str:
    """Name the person behind a CLI write in the audit log."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create the database schema or upgrade it to the newest migration (idempotent)."""
    from flask_migrate import upgrade

    upgrade()
    click.echo("database schema is up to date")


def register_commands(app: Flask) -> None:
    """Attach every `portal` command to the app's CLI."""
    from portal.commands import (
        applications,
        certificates,
        complaints,
        demo,
        opendata,
        search,
        staff,
        surveillance,
        watch,
    )

    app.cli.add_command(init_db)
    for module in (applications, certificates, complaints, demo, opendata, search, staff,
                   surveillance, watch):
        for command in module.COMMANDS:
            app.cli.add_command(command)


def _create_app() -> Flask:
    from portal import create_app

    return create_app()


def _run(**options: Any) -> None:
    from portal.config import record_served_at, serve_at

    served_at = serve_at(options["host"], options["port"], https=bool(options.get("cert")))
    context = click.get_current_context()
    app = context.ensure_object(ScriptInfo).load_app()  # run_command reuses this app
    public = app.config["PUBLIC_BASE_URL"]
    note = "" if public == served_at else " (PUBLIC_BASE_URL is set)"
    own_database = f"sqlite:///{Path(app.instance_path) / 'portal.sqlite3'}"
    if (app.config.get("PUBLIC_BASE_URL_SOURCE") == "server"
            and app.config["SQLALCHEMY_DATABASE_URI"] == own_database):
        # `make run`'s setup (the instance folder's database): commands run beside it, on the
        # same instance folder, link to this server. A server on another database (tests,
        # deployments) records nothing: there PUBLIC_BASE_URL says where links point.
        record_served_at(app.instance_path, served_at)
    click.echo(f"public links (QR codes, receipts, badges, e-mails) point to {public}{note}")
    context.invoke(run_command.callback, **options)  # type: ignore[arg-type]


# Flask's development server, except that public links follow its --host and --port when
# PUBLIC_BASE_URL is not set (`make run PORT=5111` gives QR codes for :5111).
run = click.Command("run", params=run_command.params, callback=_run,
                    help=run_command.help,
                    short_help="Run a development server; links follow --host and --port.")

main = FlaskGroup(create_app=_create_app, add_version_option=False,
                  help="Certificate verification portal commands.")
main.add_command(run)
