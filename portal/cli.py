"""The `portal` command group (a Flask CLI group; `portal --help` lists every command)."""

import getpass

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext


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
    from portal.commands import applications, certificates, complaints, demo, search, staff, watch

    app.cli.add_command(init_db)
    for module in (applications, certificates, complaints, demo, search, staff, watch):
        for command in module.COMMANDS:
            app.cli.add_command(command)


def _create_app() -> Flask:
    from portal import create_app

    return create_app()


main = FlaskGroup(create_app=_create_app, add_version_option=False,
                  help="Certificate verification portal commands.")
