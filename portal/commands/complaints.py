"""Complaint commands for cron: `portal purge-complaints`, `portal overdue-complaints`."""

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


@click.command("overdue-complaints")
def overdue_complaints() -> None:
    """List open cases past their acknowledgement or decision date (exit 1 when any)."""
    today = clock.today()
    late = complaint_service.list_complaints(stage="open", overdue=True, today=today)
    for complaint in late:
        due = complaint_service.deadlines(complaint, today)
        what = (f"acknowledge by {due.acknowledge_by}" if due.acknowledge_overdue
                else f"decide by {due.resolve_by}")
        click.echo(f"{complaint.reference}\t{complaint.stage.value}\t{what}\t"
                   f"{complaint.handler_email or '-'}")
    click.echo(f"{len(late)} overdue cases", err=True)
    if late:
        raise SystemExit(1)


COMMANDS: list[click.Command] = [purge_complaints, overdue_complaints]
