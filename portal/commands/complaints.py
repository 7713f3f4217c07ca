"""`portal purge-complaints`: remove personal data of cases past the retention period."""

import click

from portal import clock
from portal.cli import cli_actor
from portal.services import complaints as complaint_service


@click.command("purge-complaints")
def purge_complaints() -> None:
    """Remove names, contacts, texts and files of cases closed longer than the retention period."""
    purged = complaint_service.purge_expired(now=clock.utcnow(), actor=cli_actor())
    days = complaint_service.retention_days()
    click.echo(f"{purged} closed cases older than {days} days purged of personal data")


COMMANDS: list[click.Command] = [purge_complaints]
