"""Commands defined beside their areas, registered on the `quietwatch` group."""

import click

ALL: list[click.Command] = []
