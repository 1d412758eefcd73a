"""``consultkit report``: the compilation report, and the open-data package beside it."""

from __future__ import annotations

from pathlib import Path

import click

from consultkit.cli.common import EXIT_USAGE, fail, load_or_exit, open_app, ui_words, worded
from consultkit.cli.help_text import N_, HelpCommand
from consultkit.reasons import os_reason


@click.command(
    "report",
    cls=HelpCommand,
    help=N_(
        "Compile every submission of CONFIG into one report: counts by call, "
        "stakeholder\ngroup and UN region, review outcomes, campaigns with their "
        "text, themes and the\nplugins' machine-made analyses, each figure listing "
        "the submissions it counts.\n\nThe same data gives byte-identical output, so "
        "a report can be checked by rebuilding it."
    ),
)
@click.argument("config", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["html", "md", "json"]),
    default="md",
    show_default=True,
)
@click.option(
    "--lang",
    "language",
    help=N_("Language of the report: its words and the names (default: the file's first)."),
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    help=N_("Write the report to this file (default: standard output)."),
)
@click.option(
    "--data-package",
    "package_dir",
    type=click.Path(file_okay=False),
    help=N_("Also write the public submissions as a Frictionless Data Package into this folder."),
)
@click.option(
    "--store",
    "store_url",
    metavar="URL",
    help=N_("Store URL (default: $CONSULTKIT_STORE or sqlite:///./consultkit.sqlite)."),
)
@click.pass_context
def report(
    ctx: click.Context,
    config: str,
    fmt: str,
    language: str | None,
    output: str | None,
    package_dir: str | None,
    store_url: str | None,
) -> None:
    from consultkit.errors import ConsultkitError, UnknownLanguageError
    from consultkit.files import FileWriteError, write_atomically
    from consultkit.formats.report_render import render_report

    consultation = load_or_exit(config, language)
    app = open_app(ctx, store_url)
    try:
        document = app.report(consultation, language=language)
        package = app.data_package(consultation, language=language) if package_dir else {}
    except UnknownLanguageError as exc:
        fail(exc, EXIT_USAGE, language=language)
    except ConsultkitError as exc:
        fail(exc, language=language)
    finally:
        app.close()
    words = ui_words(language)
    for warning in document["warnings"]:
        click.echo(words.gettext("warning: %(text)s", text=warning), err=True)
    content = render_report(document, fmt)
    try:
        if package_dir is not None:
            folder = Path(package_dir)
            folder.mkdir(parents=True, exist_ok=True)
            for name, data in package.items():
                write_atomically(folder / name, data)
            click.echo(words.gettext("data package written to %(path)s", path=folder), err=True)
        if output is None:
            click.echo(content.decode("utf-8"), nl=False)
        else:
            # Titles and campaign texts are there whatever the consent: the organisers' copy.
            write_atomically(Path(output), content, mode=0o600)
            click.echo(words.gettext("report written to %(path)s", path=output), err=True)
    except FileWriteError as exc:
        fail(exc, EXIT_USAGE, language=language)
    except OSError as exc:
        reason = worded(os_reason(exc), words.language)
        fail(words.gettext("cannot write: %(reason)s", reason=reason), EXIT_USAGE)
