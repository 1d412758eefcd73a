"""``consultkit validate``: check a consultation file and report errors and warnings."""

from __future__ import annotations

import sys

import click

from consultkit.cli.common import (
    EXIT_REFUSED,
    echo_warning,
    exit_on_problems,
    plugin_table_warnings,
    ui_words,
)
from consultkit.cli.help_text import N_, HelpCommand


@click.command(
    cls=HelpCommand,
    help=N_(
        "Check the consultation file CONFIG.\n\nExit 0 when the file is valid "
        "(warnings are printed on stderr), 2 when it has errors\n(each printed as "
        "``error: FILE:LINE: FIELD: what is wrong (what to do)``), and 1 "
        "with\n--strict when it is valid but has warnings."
    ),
)
@click.argument("config", metavar="CONFIG")
@click.option(
    "--strict",
    is_flag=True,
    help=N_("Treat warnings as failures: exit 1 when there is any warning."),
)
def validate(config: str, strict: bool) -> None:
    from consultkit.config.loader import load_located
    from consultkit.domain.checks import check_consultation
    from consultkit.errors import ConfigError

    words = ui_words(None)
    try:
        consultation, locator = load_located(config)
    except ConfigError as exc:
        exit_on_problems(exc, words.language)
    warnings = (
        *check_consultation(consultation, words.language),
        *plugin_table_warnings(consultation, words.language),
    )
    for warning in warnings:
        echo_warning(config, locator, warning, words)
    summary = ", ".join(
        [
            words.ngettext("%(num)s phase", "%(num)s phases", len(consultation.phases)),
            words.ngettext("%(num)s call", "%(num)s calls", len(consultation.calls)),
            words.ngettext("%(num)s event", "%(num)s events", len(consultation.events)),
            words.ngettext("%(num)s group", "%(num)s groups", len(consultation.groups)),
        ]
    )
    counted = words.gettext(
        "%(summary)s (%(warnings)s)",
        summary=summary,
        warnings=words.ngettext("%(num)s warning", "%(num)s warnings", len(warnings)),
    )
    if strict and warnings:
        message = words.gettext(
            "failed (--strict): %(id)s: %(counted)s", id=consultation.id, counted=counted
        )
        click.echo(message, err=True)
        sys.exit(EXIT_REFUSED)
    click.echo(words.gettext("ok: %(id)s: %(counted)s", id=consultation.id, counted=counted))
