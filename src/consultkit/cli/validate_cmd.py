"""``consultkit validate``: check a consultation file and report errors and warnings."""

from __future__ import annotations

import sys

import click

from consultkit.cli.common import EXIT_REFUSED, EXIT_USAGE, echo_warning, plugin_table_warnings


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


@click.command()
@click.argument("config", metavar="CONFIG")
@click.option(
    "--strict",
    is_flag=True,
    help="Treat warnings as failures: exit 1 when there is any warning.",
)
def validate(config: str, strict: bool) -> None:
    """Check the consultation file CONFIG.

    Exit 0 when the file is valid (warnings are printed on stderr), 2 when it has errors
    (each printed as ``error: FILE:LINE: FIELD: what is wrong (what to do)``), and 1 with
    --strict when it is valid but has warnings.
    """
    from consultkit.config.loader import load_located
    from consultkit.domain.checks import check_consultation
    from consultkit.errors import ConfigError

    try:
        consultation, locator = load_located(config)
    except ConfigError as exc:
        for problem in exc.problems:
            click.echo(f"error: {problem}", err=True)
        sys.exit(EXIT_USAGE)
    warnings = (*check_consultation(consultation), *plugin_table_warnings(consultation))
    for warning in warnings:
        echo_warning(config, locator, warning)
    summary = ", ".join(
        [
            _plural(len(consultation.phases), "phase"),
            _plural(len(consultation.calls), "call"),
            _plural(len(consultation.events), "event"),
            _plural(len(consultation.groups), "group"),
        ]
    )
    counted = f"{summary} ({_plural(len(warnings), 'warning')})"
    if strict and warnings:
        click.echo(f"failed (--strict): {consultation.id}: {counted}", err=True)
        sys.exit(EXIT_REFUSED)
    click.echo(f"ok: {consultation.id}: {counted}")
