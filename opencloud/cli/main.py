"""The ``opencloud`` command: the root group, and the one place CLI errors become
exit codes.

Every command reads settings itself (``load_settings(os.environ)``) when it needs
them. A ``ConfigError`` anywhere prints ``opencloud: <message>`` and exits 2;
any other expected failure (storage unavailable, locked) exits 1 the same way.
Unexpected exceptions keep their traceback: they are bugs.
"""

from __future__ import annotations

from typing import Any

import click

from opencloud.cli.check import check
from opencloud.cli.config import config
from opencloud.cli.drivers import drivers
from opencloud.cli.init import init
from opencloud.cli.server import server
from opencloud.cli.users import auth_app, groups, tokens, users
from opencloud.cli.version import version
from opencloud.core.errors import ConfigError, OpenCloudError


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            click.echo(f"opencloud: {exc.message}", err=True)
            ctx.exit(2)
        except OpenCloudError as exc:
            click.echo(f"opencloud: {exc.message}", err=True)
            ctx.exit(1)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """opencloud: a self-hosted file sync & share server.

    Settings come from <OC_CONFIG_DIR or ./config>/opencloud.toml and the
    environment (which wins); see docs/configuration.md.
    """


main.add_command(init)
main.add_command(server)
main.add_command(version)
main.add_command(drivers)
main.add_command(config)
main.add_command(check)
main.add_command(users)
main.add_command(groups)
main.add_command(tokens)
main.add_command(auth_app)
