"""`portal send-notifications`: mail confirmed subscribers the changes of their certificates."""

import click

from portal import clock
from portal.commands import require_public_address
from portal.services import list_watch as list_watch_service
from portal.services import watch as watch_service


@click.command("send-notifications")
def send_notifications() -> None:
    """Mail every confirmed subscriber the changes since their last message (run from cron)."""
    require_public_address()
    sent = watch_service.send_notifications(now=clock.utcnow())
    click.echo(f"{sent} notification e-mails sent")
    digests = list_watch_service.send_digests(now=clock.utcnow(), today=clock.today())
    click.echo(f"{digests} supplier-list digests sent")


COMMANDS: list[click.Command] = [send_notifications]
