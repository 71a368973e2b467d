"""Commands defined beside their areas, registered on the `quietwatch` group."""

import click

from quietwatch.listings_commands import listings

ALL: list[click.Command] = [listings]
