"""`portal` CLI commands, one module per area; each exports COMMANDS."""

import click
from flask import current_app


def require_public_address() -> str:
    """Return where links in mails and webhooks point, or stop when it is not known.

    Without PUBLIC_BASE_URL, a command links to the address `portal run` recorded; with
    neither, it would silently name http://127.0.0.1:5000, which may be another site.
    """
    if current_app.config.get("PUBLIC_BASE_URL_SOURCE") == "default":
        raise click.UsageError(
            "the portal's public address is not known: set PUBLIC_BASE_URL (for example "
            "PUBLIC_BASE_URL=https://verify.example.cn), or start the server with `make run` "
            "or `portal run --port N` first so that its address is recorded in the instance "
            "folder")
    return str(current_app.config["PUBLIC_BASE_URL"])
