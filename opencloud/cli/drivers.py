"""``opencloud drivers list``: what storage drivers are installed and whether they load."""

from __future__ import annotations

import click

from opencloud.storage.registry import installed


@click.group()
def drivers() -> None:
    """Storage drivers (entry-point group opencloud.drivers)."""


@drivers.command("list")
def list_drivers() -> None:
    """List installed drivers; a broken one is reported, never fatal."""
    rows = [("NAME", "DISTRIBUTION", "VERSION", "LOADS", "ERROR")]
    rows += [
        (d.name, d.distribution, d.version, "yes" if d.loads else "no", d.error)
        for d in installed()
    ]
    if len(rows) == 1:
        click.echo("no storage drivers are installed (pip install opencloud-driver-posix)")
        return
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        click.echo("  ".join([*cells, row[4]]).rstrip())
