"""`portal demo-data`: load (or replace, or remove) the demo data set."""

import sys
import time

import click
from flask.cli import with_appcontext

from portal import clock
from portal.cli import cli_actor
from portal.commands.progress import PhaseProgress
from portal.services import demo, demo_applications
from portal.services import search as search_service
from search_index import IndexBusyError

PHASES = {"generate": "drawing the demo register", "write": "writing rows"}


def _index() -> None:
    """Rebuild the search index from the register (faster than replaying the change log)."""
    try:
        with click.progressbar(length=search_service.public_count(),
                               label="indexing certificates", file=sys.stderr,
                               show_pos=True) as bar:
            search_service.reindex(progress=bar.update, timeout=120.0)
    except IndexBusyError as exc:
        raise click.ClickException(
            f"{exc}; the demo data is loaded, run `portal reindex` when it has finished"
        ) from exc


@click.command("demo-data")
@click.option("--if-empty", is_flag=True,
              help="Load only into an empty register; otherwise do nothing (exit 0).")
@click.option("--replace", is_flag=True,
              help="Delete the demo rows already loaded, then load them again. Other "
                   "certificates are kept.")
@click.option("--remove", is_flag=True,
              help="Delete the demo rows and the demo marker; load nothing.")
@with_appcontext
def demo_data(if_empty: bool, replace: bool, remove: bool) -> None:
    """Load the demo data set: a bilingual register whose 2022 statistics are the report's.

    Every page then says that it shows demo data. Refused on a register that already holds
    certificates, unless --replace (only demo rows are deleted) or --if-empty (then nothing
    is done).
    """
    if replace and remove:
        raise click.UsageError("use either --replace or --remove")
    started = time.perf_counter()
    now = clock.utcnow()
    if remove:
        demo_applications.remove_demo_applications()
        removed = demo.remove_demo_data(actor=cli_actor(), now=now)
        _index()
        click.echo(f"removed {removed} demo certificates and the demo alerts")
        return
    existing = demo.certificate_count()
    if existing and if_empty and not replace:
        click.echo(f"the register already holds {existing} certificates; demo data not loaded")
        return
    if existing and not replace:
        demo_rows = demo.demo_count()
        hint = (f"{demo_rows} of them are demo certificates: use --replace to load the demo "
                "data set again" if demo_rows else
                "demo data is only loaded into an empty register")
        raise click.ClickException(
            f"the register already holds {existing} certificates; {hint}")
    progress = PhaseProgress(PHASES, steps=4)
    if replace:
        demo_applications.remove_demo_applications()  # they point at demo audits
    try:
        summary = demo.load_demo_data(actor=cli_actor(), now=now, today=clock.today(),
                                      replace=replace, progress=progress)
    except demo.DemoRefusedError as exc:
        progress.close()
        raise click.ClickException(str(exc)) from exc
    progress.close()
    extra = demo_applications.load_demo_applications(now=now, today=clock.today())
    _index()
    seconds = time.perf_counter() - started
    replaced = f", {summary.removed} earlier demo certificates replaced" if replace else ""
    click.echo(f"loaded the demo data set: {summary.certificates} certificates, "
               f"{summary.events} history entries, {summary.audits} audits, "
               f"{summary.sites} sites, {summary.alerts} alerts{replaced}, "
               f"{extra.applications} applications, {extra.invitations} survey invitations "
               f"({extra.responses} answered, {extra.phone_checks} phone checks) "
               f"({seconds:.1f} s)")


COMMANDS: list[click.Command] = [demo_data]
