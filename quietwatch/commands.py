"""Commands defined beside their areas, registered on the `quietwatch` group."""

import click

from quietwatch import guardrail_commands, ops_commands
from quietwatch.listings_commands import clinics, listings

ALL: list[click.Command] = [listings, clinics, *guardrail_commands.ALL, *ops_commands.ALL]
