"""``opencloud version``."""

from __future__ import annotations

import platform

import click

from opencloud import __version__


@click.command()
def version() -> None:
    """Print the opencloud and Python versions."""
    click.echo(f"opencloud {__version__}")
    click.echo(f"python {platform.python_version()} ({platform.python_implementation()})")
