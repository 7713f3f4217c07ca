"""Open-data commands: `portal export-iaf` (IAF CertSearch upload), `portal deliver-webhooks`."""

import sys
import time
from datetime import timedelta
from pathlib import Path

import click
from flask.cli import with_appcontext

from portal import clock
from portal.commands import require_public_address
from portal.commands.progress import PhaseProgress
from portal.services import iaf_export
from portal.services import webhooks as webhook_service

SHOW_PROGRESS_FROM = 2000  # certificates; smaller registers finish before a bar would help


@click.command("export-iaf")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--layout", type=click.Choice(["2", "1.1"]), default=None,
              help="IAF CertSearch template: 2 (multi-sheet, .xlsx; the default for .xlsx) or "
                   "1.1 (one sheet; .xlsx or .csv).")
@click.option("--aggregate", is_flag=True,
              help="Write the quarterly aggregate counts (IAF MD 28 §5.2) instead of records.")
@click.option("--quarter", metavar="YYYY-Qn", default=None,
              help="The quarter --aggregate counts (default: the last complete quarter).")
@with_appcontext
def export_iaf(file: Path, layout: str | None, aggregate: bool, quarter: str | None) -> None:
    """Write every certificate to FILE in the IAF CertSearch upload layout (.xlsx or .csv).

    The default for .xlsx is the v2 multi-sheet upload (Certified Entity, Certification,
    Standard & Scheme, Sites, Sector); more than 10,000 rows in a sheet go on in FILE-2.xlsx,
    FILE-3.xlsx, … Statuses are mapped to IAF's (valid → Active, suspended → Suspended,
    withdrawn → Withdrawn, cancelled → Cancelled, expired → Expired); restricted certificates
    are marked confidential with the holder's name withheld. IAF's own checks run first: every
    cell IAF would refuse is reported with its file, sheet, row and field, and nothing is kept.
    """
    suffix = file.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise click.BadParameter("FILE must end in .xlsx or .csv", param_hint="FILE")
    if aggregate:
        _export_aggregate(file, quarter)
        return
    if quarter:
        raise click.BadParameter("--quarter goes with --aggregate", param_hint="--quarter")
    layout = layout or ("2" if suffix == ".xlsx" else "1.1")
    if layout == "2":
        if suffix != ".xlsx":
            raise click.BadParameter("the IAF CertSearch v2 upload is .xlsx only "
                                     "(--layout 1.1 writes CSV)", param_hint="FILE")
        _export_upload(file)
        return
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


def _export_upload(file: Path) -> None:
    progress = PhaseProgress({"check": "checking IAF rows", "write": "writing IAF files"},
                             steps=10, minimum=SHOW_PROGRESS_FROM)
    try:
        paths = iaf_export.write_upload(file, today=clock.today(), progress=progress)
    except iaf_export.IafUploadError as exc:
        progress.close()
        for problem in exc.problems[:200]:
            click.echo(str(problem), err=True)
        click.echo(f"{len(exc.problems)} problem(s); nothing was written.", err=True)
        sys.exit(1)
    except OSError as exc:
        raise click.FileError(str(file), exc.strerror) from None
    progress.close()
    names = ", ".join(str(p) for p in paths)
    click.echo(f"Wrote the IAF CertSearch v2 upload to {names} "
               f"(at most {iaf_export.MAX_ROWS_PER_FILE:,} rows a sheet).")


def _export_aggregate(file: Path, quarter: str | None) -> None:
    if quarter is None:
        start = clock.today().replace(day=1)
        start = start.replace(month=3 * ((start.month - 1) // 3) + 1)
        quarter = iaf_export.quarter_of(start - timedelta(days=1))  # the last complete one
    try:
        iaf_export.quarter_end(quarter)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--quarter") from None
    try:
        count = iaf_export.write_aggregate(file, quarter)
    except OSError as exc:
        raise click.FileError(str(file), exc.strerror) from None
    click.echo(f"Wrote {count} aggregate rows for {quarter.upper()} to {file}.")




@click.command("deliver-webhooks")
@click.option("--every", type=click.IntRange(min=5), default=None, metavar="SECONDS",
              help="Keep running, one round every SECONDS (else one round, for cron).")
@with_appcontext
def deliver_webhooks(every: int | None) -> None:
    """Turn new certificate changes into webhook deliveries and send everything due.

    Safe to run from cron every minute or as a loop with --every: a round that dies leaves
    nothing half-done; deliveries are at least once, de-duplicated by event id.
    """
    require_public_address()
    while True:
        summary = webhook_service.run(now=clock.utcnow(), today=clock.today())
        click.echo(f"{summary.queued} queued, {summary.delivered} delivered, "
                   f"{summary.failed} failed (will be retried)", err=every is not None)
        if every is None:
            return
        time.sleep(every)


COMMANDS: list[click.Command] = [export_iaf, deliver_webhooks]
