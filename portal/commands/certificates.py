"""`portal import-certificates`, `portal import-audits`, `portal export-certificates`."""

import sys
import time
from pathlib import Path
from typing import BinaryIO

import click
from flask.cli import with_appcontext

from portal import clock
from portal.cli import cli_actor
from portal.commands.progress import PhaseProgress
from portal.services import exporting, importing

SHOW_PROGRESS_FROM = 2000  # rows; smaller files finish before a bar would be useful
SHOW_CHANGES = 50  # updated rows listed by --dry-run
PHASES = {"read": "reading workbook", "check": "checking rows", "write": "writing"}


def _print_problems(errors: list[importing.ImportProblem], rows: int) -> None:
    for error in errors:
        click.echo(str(error), err=True)
    bad_lines = len({e.line for e in errors})
    click.echo(
        f"{len(errors)} problem(s) on {bad_lines} line(s) of {rows} row(s); nothing was written.",
        err=True,
    )


def _open(path: Path) -> BinaryIO:
    try:
        return path.open("rb")
    except OSError as exc:
        raise click.FileError(str(path), exc.strerror) from None


@click.command("import-certificates")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--dry-run", is_flag=True, help="Check the file and say what would change; write nothing."
)
@with_appcontext
def import_certificates(file: Path, dry_run: bool) -> None:
    """Check every row of FILE (CSV or XLSX), then create or update all certificates in it.

    Upserts by certificate number. If any row is bad, nothing is written and every problem is
    listed as `line N: column: problem`; the exit status is then 1.
    """
    started = time.perf_counter()
    progress = PhaseProgress(PHASES, steps=10, minimum=SHOW_PROGRESS_FROM)
    with _open(file) as stream:
        plan = importing.plan_certificate_import(stream, file.name, progress=progress)
    progress.close()
    rows = plan.total_rows
    if dry_run:
        for row in [r for r in plan.rows if r.action == "update"][:SHOW_CHANGES]:
            fields = ", ".join(
                f"{name} {old!r} -> {new!r}" for name, (old, new) in row.changes.items()
            )
            click.echo(f"line {row.line}: {row.data.certificate_number}: would update {fields}")
        if plan.count("update") > SHOW_CHANGES:
            click.echo(f"... and {plan.count('update') - SHOW_CHANGES} more updates")
        click.echo(
            f"Dry run of {file.name}, nothing written: {plan.count('create')} would be "
            f"created, {plan.count('update')} updated, {plan.count('unchanged')} "
            f"unchanged."
        )
        if not plan.ok:
            _print_problems(plan.errors, rows)
            sys.exit(1)
        return
    if not plan.ok:
        _print_problems(plan.errors, rows)
        sys.exit(1)
    try:
        result = importing.apply_certificate_import(
            plan, actor=cli_actor(), now=clock.utcnow(), progress=progress
        )
    except importing.ImportRefused as exc:
        progress.close()
        _print_problems(exc.errors, rows)
        sys.exit(1)
    progress.close()
    seconds = time.perf_counter() - started
    click.echo(
        f"Imported {file.name}: {result.created} created, {result.updated} updated, "
        f"{result.unchanged} unchanged ({len(plan.rows)} rows in {seconds:.1f} s)."
    )


@click.command("import-audits")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the file; write nothing.")
@click.option("--survey", is_flag=True,
              help="Also issue a satisfaction-survey invitation for each audit added (#16).")
@with_appcontext
def import_audits(file: Path, dry_run: bool, survey: bool = False) -> None:
    """Add the audits listed in FILE (certificate_number,audit_type,audit_date).

    Audits already stored are left alone; if any row is bad, nothing is written.
    """
    with _open(file) as stream:
        plan = importing.plan_audit_import(stream, file.name)
    rows = plan.total_rows
    if not plan.ok:
        _print_problems(plan.errors, rows)
        sys.exit(1)
    if dry_run:
        click.echo(
            f"Dry run of {file.name}, nothing written: {plan.count('create')} audits "
            f"would be added, {plan.count('unchanged')} already stored."
        )
        return
    try:
        added = importing.apply_audit_import(plan, actor=cli_actor(), now=clock.utcnow())
    except importing.ImportRefused as exc:
        _print_problems(exc.errors, rows)
        sys.exit(1)
    click.echo(
        f"Imported {file.name}: {added} audits added, {len(plan.rows) - added} already stored."
    )
    if survey:
        from portal.services import surveys as survey_service

        issued = survey_service.issue_for_keys(
            [(r.certificate_id, r.audit_type.value, r.audit_date) for r in plan.rows
             if r.action == "create"], actor=cli_actor(), now=clock.utcnow())
        click.echo(f"{len(issued)} satisfaction-survey invitations issued "
                   "(print their sheets from the back office: Surveys → Audits).")


@click.command("export-certificates")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
@with_appcontext
def export_certificates(file: Path) -> None:
    """Write every certificate to FILE: XLSX when it ends in .xlsx, else CSV ("-": stdout).

    The columns are those of import-certificates, so the file can be imported again as is.
    """
    if str(file) == "-":
        count = exporting.write_csv(click.get_binary_stream("stdout"))
        click.echo(f"Exported {count} certificates.", err=True)
        return
    partial = file.with_name(file.name + ".partial")
    try:
        with partial.open("wb") as stream:
            count = exporting.export_certificates(stream, file.name)
        partial.replace(file)  # never leave a half-written export under the real name
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise click.FileError(str(file), exc.strerror) from None
    click.echo(f"Exported {count} certificates to {file}.")


COMMANDS: list[click.Command] = [import_certificates, import_audits, export_certificates]
