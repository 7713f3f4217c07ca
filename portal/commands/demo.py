"""`portal` commands: demo."""

import click

COMMANDS: list[click.Command] = []
