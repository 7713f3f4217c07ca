"""`portal` commands: staff."""

import click

COMMANDS: list[click.Command] = []
