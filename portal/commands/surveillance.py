"""Surveillance commands for cron: `portal overdue-surveillance`, `portal mail-surveillance-due`."""

import click

from portal import clock
from portal.commands import require_public_address
from portal.services import surveillance as surveillance_service


@click.command("overdue-surveillance")
@click.option("--days", type=click.IntRange(min=0, max=3650), default=None,
              help="Also list certificates whose audit is due within this many days.")
def overdue_surveillance(days: int | None) -> None:
    """List certificates whose surveillance audit is overdue (exit 1 when any), one per line."""
    today = clock.today()
    due = surveillance_service.due_certificates(today, days=days)
    for item in due:
        s = item.surveillance
        assert s.next_due_date is not None
        when = (f"overdue since {s.next_due_date}" if s.overdue
                else f"due by {s.next_due_date} ({item.days_left(today)} days)")
        kind = s.next_audit.value if s.next_audit else "-"
        last = s.last_audit_date.isoformat() if s.last_audit_date else "-"
        click.echo(f"{item.certificate_number}\t{when}\t{kind}\tlast audit {last}\t"
                   f"{item.status.value}\t{item.holder_name_zh}")
    overdue = sum(1 for item in due if item.surveillance.overdue)
    ahead = f", {len(due) - overdue} due within {days} days" if days is not None else ""
    click.echo(f"{overdue} overdue{ahead}", err=True)
    if overdue:
        raise SystemExit(1)


@click.command("mail-surveillance-due")
@click.option("--days", type=click.IntRange(min=0, max=3650), default=None,
              help="Look-ahead in days (default SURVEILLANCE_WARNING_DAYS, 30).")
def mail_surveillance_due(days: int | None) -> None:
    """Mail registrars the certificates overdue or due soon for surveillance (run daily)."""
    require_public_address()
    look_ahead = surveillance_service.warning_days() if days is None else days
    listed, sent = surveillance_service.mail_registrars(clock.today(), days=look_ahead)
    click.echo(f"{listed} certificates listed, {sent} registrars mailed")


COMMANDS: list[click.Command] = [overdue_surveillance, mail_surveillance_due]
