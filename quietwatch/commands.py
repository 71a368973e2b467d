"""Commands defined beside their areas, registered on the `quietwatch` group."""

import click

from quietwatch import guardrail_commands, ops_commands
from quietwatch.listings_commands import clinics, listings
from quietwatch.parse_command import parse

ALL: list[click.Command] = [listings, clinics, parse, *guardrail_commands.ALL, *ops_commands.ALL]
