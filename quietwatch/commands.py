"""Commands defined beside their areas, registered on the `quietwatch` group."""

import click

from quietwatch import guardrail_commands, ops_commands
from quietwatch.listings_commands import listings

ALL: list[click.Command] = [listings, *guardrail_commands.ALL, *ops_commands.ALL]
