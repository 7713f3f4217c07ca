"""Open-data commands: `portal export-iaf` (IAF CertSearch upload), `portal deliver-webhooks`."""

import sys
import time
from pathlib import Path

import click
from flask.cli import with_appcontext

from portal import clock
from portal.commands.progress import PhaseProgress
from portal.services import iaf_export
from portal.services import webhooks as webhook_service

SHOW_PROGRESS_FROM = 2000  # certificates; smaller registers finish before a bar would help


@click.command("export-iaf")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def export_iaf(file: Path) -> None:
    """Write every certificate to FILE in the IAF CertSearch upload layout (.xlsx or .csv).

    Statuses are mapped to IAF's (valid → Active, suspended → Suspended, withdrawn → Withdrawn,
    cancelled → Cancelled, expired → Expired); restricted certificates are marked confidential
    with the holder's name withheld. A row IAF would refuse is reported and nothing is kept.
    """
    if file.suffix.lower() not in (".xlsx", ".csv"):
        raise click.BadParameter("FILE must end in .xlsx or .csv", param_hint="FILE")
    progress = PhaseProgress({"check": "checking IAF rows", "write": "writing IAF rows"}, steps=10, minimum=SHOW_PROGRESS_FROM)
    partial = file.with_name(file.name + ".partial")
    try:
        with partial.open("wb") as stream:
            count = iaf_export.write_iaf(stream, file.name, today=clock.today(),
                                         progress=progress)
    except iaf_export.IafExportError as exc:
        progress.close()
        partial.unlink(missing_ok=True)
        for problem in exc.problems[:200]:
            click.echo(str(problem), err=True)
        click.echo(f"{len(exc.problems)} problem(s); {file} was not written.", err=True)
        sys.exit(1)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise click.FileError(str(file), exc.strerror) from None
    progress.close()
    partial.replace(file)  # never leave a half-written upload under the real name
    click.echo(f"Wrote {count} certificates to {file} in the IAF CertSearch layout.")




@click.command("deliver-webhooks")
@click.option("--every", type=click.IntRange(min=5), default=None, metavar="SECONDS",
              help="Keep running, one round every SECONDS (else one round, for cron).")
@with_appcontext
def deliver_webhooks(every: int | None) -> None:
    """Turn new certificate changes into webhook deliveries and send everything due.

    Safe to run from cron every minute or as a loop with --every: a round that dies leaves
    nothing half-done; deliveries are at least once, de-duplicated by event id.
    """
    while True:
        summary = webhook_service.run(now=clock.utcnow(), today=clock.today())
        click.echo(f"{summary.queued} queued, {summary.delivered} delivered, "
                   f"{summary.failed} failed (will be retried)", err=every is not None)
        if every is None:
            return
        time.sleep(every)


COMMANDS: list[click.Command] = [export_iaf, deliver_webhooks]
