"""`portal` commands: certificates."""

import click

COMMANDS: list[click.Command] = []
