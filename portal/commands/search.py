"""`portal` commands: search."""

import click

COMMANDS: list[click.Command] = []
