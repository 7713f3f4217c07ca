"""Application and survey commands for cron and audits (issue #16)."""

from datetime import date, timedelta

import click

from portal import clock
from portal.cli import cli_actor
from portal.services import applications as application_service
from portal.services import surveys as survey_service


@click.command("overdue-applications")
def overdue_applications() -> None:
    """List applications without a first answer past their due date (exit 1 when any)."""
    today = clock.today()
    late = application_service.list_applications(stage="open", overdue=True, today=today)
    for application in late:
        click.echo(f"{application.reference}\t{application.stage.value}\t"
                   f"answer by {application_service.answer_due(application)}")
    click.echo(f"{len(late)} overdue applications", err=True)
    if late:
        raise SystemExit(1)


@click.command("purge-applications")
def purge_applications() -> None:
    """Remove personal data of applications closed, and survey answers given, before the cutoff.

    Applications lose contact details, texts and files; survey answers and invitations lose
    the contact name, phone and e-mail (scores and comments stay).
    """
    now = clock.utcnow()
    purged = application_service.purge_expired(now=now, actor=cli_actor())
    days = application_service.retention_days()
    click.echo(f"{purged} closed applications older than {days} days purged of personal data")
    answers = survey_service.purge_contacts(before=now - timedelta(days=days), now=now,
                                            actor=cli_actor())
    click.echo(f"{answers} survey answers older than {days} days purged of contact details")


@click.command("issue-surveys")
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), required=True,
              help="First audit date (YYYY-MM-DD).")
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Last audit date (default: today).")
@click.option("--email", "emails", multiple=True, metavar="NUMBER=ADDRESS",
              help="E-mail the invitation for a certificate's audit to this contact "
                   "(repeatable).")
def issue_surveys(start: object, end: object, emails: tuple[str, ...]) -> None:
    """Issue a satisfaction-survey invitation for each audit in the period that has none."""
    first: date = start.date()  # type: ignore[attr-defined]
    last: date = end.date() if end else clock.today()  # type: ignore[attr-defined]
    contacts = {}
    for item in emails:
        number, _, address = item.partition("=")
        if not address:
            raise click.BadParameter(f"{item!r}: write NUMBER=ADDRESS", param_hint="--email")
        contacts[number.strip()] = address.strip()
    issued = survey_service.issue_for_period(first, last, actor=cli_actor(), now=clock.utcnow(),
                                             contacts=contacts)
    for invitation in issued:
        click.echo(f"{invitation.certificate_number}\t{invitation.audit_type}\t"
                   f"{invitation.audit_date}\t{survey_service.survey_url(invitation)}")
    click.echo(f"{len(issued)} invitations issued", err=True)


COMMANDS: list[click.Command] = [overdue_applications, purge_applications, issue_surveys]
