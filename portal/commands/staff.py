"""`portal` commands: staff accounts."""

import sys

import click
from flask.cli import with_appcontext

from portal import clock
from portal.cli import cli_actor
from portal.models import Role
from portal.services import staff as staff_service

PROBLEMS = {
    "too_short": f"the password must have at least {staff_service.MIN_PASSWORD_LENGTH} characters",
    "too_long": f"the password must have at most {staff_service.MAX_PASSWORD_LENGTH} characters",
    "is_email": "the password must not be the e-mail address",
    "weak_common": "the password is too easy to guess (a common password, word or date)",
    "weak_repetitive": "the password is too easy to guess (repeats, sequences or keyboard rows)",
    "weak_personal": "the password is too easy to guess (built from the e-mail, name or the "
                     "body's name)",
    "bad_email": "that is not an e-mail address",
    "exists": "a staff account with that e-mail already exists",
}


def _password_from_prompt(email: str) -> str:
    while True:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True,
                                err=True)
        problem = staff_service.password_problem(password, email)
        if not problem:
            return password
        click.echo(f"Error: {PROBLEMS[problem]}; try again.", err=True)


@click.command("create-user")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]),
              help="admin (everything), registrar (certificates), complaints (complaints) or sales "
                   "(applications and satisfaction surveys).")
@click.option("--name", default="", help="The person's name, shown in the back office.")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from the first line of standard input (for scripts).")
@with_appcontext
def create_user(email: str, role: str, name: str, password_stdin: bool) -> None:
    """Create a back-office account; the password is asked for (hidden) unless piped in."""
    if staff_service.get_by_email(email) is not None:
        raise click.ClickException(PROBLEMS["exists"])
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = _password_from_prompt(email)
    try:
        user = staff_service.create_user(email, role, password, actor=cli_actor(),
                                         now=clock.utcnow(), name=name)
    except staff_service.StaffError as exc:
        raise click.ClickException(PROBLEMS.get(exc.code, exc.code)) from None
    click.echo(f"created {user.role.value} account {user.email}")


@click.command("set-password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from the first line of standard input (for scripts).")
@with_appcontext
def set_password(email: str, password_stdin: bool) -> None:
    """Set a staff account's password (e.g. the only admin forgot it); its sessions end."""
    user = staff_service.get_by_email(email)
    if user is None:
        raise click.ClickException("there is no staff account with that e-mail")
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin \
        else _password_from_prompt(user.email)
    try:
        staff_service.set_password(user, password, actor=cli_actor(), now=clock.utcnow())
    except staff_service.StaffError as exc:
        raise click.ClickException(PROBLEMS.get(exc.code, exc.code)) from None
    click.echo(f"password set for {user.email}; its sessions have ended")


COMMANDS: list[click.Command] = [create_user, set_password]
