"""python -m opencloud runs the command-line interface."""

from opencloud.cli.main import main

main(prog_name="opencloud")
