"""``opencloud check [--repair]``: verify (and repair) the storage against its metadata.

The driver does the work if it can (``Checkable``); then the shares and
links are checked against the tree (``services/shares/reconcile.py``). This command prints what it
finds and turns the result into an exit code for scripts and cron: 1 when an
error-severity problem is left unrepaired, else 0. A driver refuses ``--repair``
while a server holds the tree (it raises Locked or StorageUnavailable); that
message is printed as is and the exit code is 1.
"""

from __future__ import annotations

import itertools
import os

import click

from opencloud.app.wiring import load_storage
from opencloud.config.load import load_settings
from opencloud.services.shares.reconcile import check_links, check_shares
from opencloud.storage.protocol import Checkable


@click.command()
@click.option("--repair", is_flag=True, help="Fix what can be fixed (not while a server runs).")
def check(repair: bool) -> None:
    """Check the storage's consistency; exit 1 if an error remains."""
    settings = load_settings(os.environ)
    driver = load_storage(settings)
    try:
        if not isinstance(driver, Checkable):
            click.echo(f"the {settings.storage.driver} driver cannot check its storage")
            return
        errors = warnings = repaired = 0
        findings = itertools.chain(
            driver.check(repair=repair),
            check_shares(driver, repair=repair),  # after the tree: it reads node ids
            check_links(driver, repair=repair),
        )
        for finding in findings:
            mark = " [repaired]" if finding.repaired else ""
            click.echo(f"{finding.path}: {finding.code}: {finding.message}{mark}")
            if finding.repaired:
                repaired += 1
            elif finding.severity == "error":
                errors += 1
            else:
                warnings += 1
    finally:
        driver.close()
    click.echo(
        f"{errors + warnings + repaired} findings: {errors} errors, {warnings} warnings, "
        f"{repaired} repaired"
    )
    if errors:
        hint = "" if repair else "; run `opencloud check --repair` with the server stopped"
        click.echo(f"storage has unrepaired errors{hint}", err=True)
        raise click.exceptions.Exit(1)
