"""`portal` commands: search (`reindex`, `check-index`)."""

import sys

import click
from flask.cli import with_appcontext

from portal.services import search as search_service
from search_index import IndexBusyError, IndexUnavailableError

UNUSABLE_HINT = ("free space or make SEARCH_INDEX_DIR writable, then run `portal check-index` "
                 "(the index catches up from the database by itself)")


@click.command("reindex")
@click.option("--timeout", default=600.0, show_default=True,
              help="Seconds to wait for another process that is writing the index.")
@with_appcontext
def reindex(timeout: float) -> None:
    """Rebuild the search index from the database (the database is the source of truth)."""
    total = search_service.public_count()
    try:
        with click.progressbar(length=total, label="indexing certificates",
                               file=sys.stderr, show_pos=True) as bar:
            count = search_service.reindex(progress=bar.update, timeout=timeout)
    except IndexBusyError as exc:
        raise click.ClickException(f"{exc}; try again when it has finished") from exc
    except IndexUnavailableError as exc:
        raise click.ClickException(f"cannot rebuild the index: {exc}; {UNUSABLE_HINT}") from exc
    click.echo(f"indexed {count} certificates")


@click.command("check-index")
@click.option("--catch-up/--no-catch-up", default=True, show_default=True,
              help="First apply committed changes not yet indexed, as every process does "
                   "before it searches.")
@with_appcontext
def check_index(catch_up: bool) -> None:
    """Compare the search index with the database; list every difference and exit 1 if any."""
    try:
        _check_index(catch_up)
    except IndexUnavailableError as exc:
        raise click.ClickException(f"cannot check the index: {exc}; {UNUSABLE_HINT}") from exc


def _check_index(catch_up: bool) -> None:
    if catch_up:
        try:
            applied = search_service.catch_up()
        except IndexBusyError as exc:
            raise click.ClickException(f"{exc}; try again when it has finished") from exc
        if applied:
            click.echo(f"applied {applied} pending changes from the change log")
    found = 0
    counts: dict[str, int] = {}
    for difference in search_service.differences():
        found += 1
        counts[difference.problem] = counts.get(difference.problem, 0) + 1
        click.echo(f"{difference.problem}: {difference.number_key}")
    if found:
        summary = ", ".join(f"{n} {problem}" for problem, n in sorted(counts.items()))
        click.echo(f"search index differs from the database: {summary} "
                   "(run `portal reindex` to rebuild it)",
                   err=True)
        sys.exit(1)
    click.echo(f"search index matches the database ({search_service.public_count()} "
               "certificates)")


COMMANDS: list[click.Command] = [reindex, check_index]
