"""The ``tracker`` command line: the only place that prints, exits and shows progress.

Each command group lives in its own module here and registers itself on the root group;
library errors (:class:`tracker.errors.TrackerError`) become a one-line message on stderr
and exit code 1, bad flags exit 2 (click's usage errors).
"""

from __future__ import annotations

import importlib
import logging
import sys

import click

from tracker import __version__
from tracker.errors import TrackerError
from tracker.textsafe import clean_terminal

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

# Command modules, each exposing ``register(group)``. Order = order in --help.
COMMAND_MODULES = (
    "tracker.cli.events",
    "tracker.cli.ingest",
    "tracker.cli.maps",
    "tracker.cli.places",
    "tracker.cli.admin",
    "tracker.cli.copy",
    "tracker.cli.links",
    "tracker.cli.geoparse",
)


@click.group(context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "-V", "--version", prog_name="tracker")
@click.option("-v", "--verbose", count=True, help="More log output on stderr (-vv for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr.")
def cli(verbose: int, quiet: bool) -> None:
    """Follow military deployments through open sources: offline, sourced, mapped.

    \b
    Examples:
      tracker ingest seeds/                 # propose events from reports
      tracker query --region "Primorsky Krai" --from 2024-10-01 --to 2024-10-31
      tracker map --title "North Korean troops in Russia"
    """
    level = logging.WARNING
    if quiet:
        level = logging.ERROR
    elif verbose == 1:
        level = logging.INFO
    elif verbose >= 2:
        level = logging.DEBUG
    logging.basicConfig(
        level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )


def _register_all() -> None:
    for name in COMMAND_MODULES:
        try:
            mod = importlib.import_module(name)
        except ModuleNotFoundError as err:
            if err.name == name:  # that command group is not built yet
                continue
            raise
        mod.register(cli)


_register_all()


def main() -> None:
    """Run the CLI, turning library errors into a clean message and exit code 1."""
    try:
        cli.main(prog_name="tracker", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except click.ClickException as err:
        err.show()
        sys.exit(err.exit_code)
    except click.exceptions.Exit as err:
        sys.exit(err.exit_code)
    except TrackerError as err:
        click.echo(f"Error: {clean_terminal(err)}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
