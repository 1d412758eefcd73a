"""``consultkit new-plugin``: create a complete, tested plugin package from templates."""

from __future__ import annotations

from pathlib import Path

import click

from consultkit.cli.common import EXIT_USAGE, fail, ui_words
from consultkit.cli.help_text import N_, HelpCommand

# The hook names, repeated here so `consultkit --help` does not import the scaffold
# (and Jinja2); tests/test_new_plugin.py keeps them equal to scaffold.HOOKS.
HOOK_CHOICES = (
    "register_notifiers",
    "register_exporters",
    "register_commands",
    "validate_submission",
    "submission_received",
    "submission_status_changed",
    "schedule_changed",
    "calendar_item_built",
)


@click.command(
    "new-plugin",
    cls=HelpCommand,
    help=N_(
        "Create the plugin package NAME: pyproject (build system, entry point), "
        "typed hook\nimplementations, tests using consultkit.testing, a README and a "
        "CI workflow.\n\nThen: pip install -e 'DIR[test]' && python -m pytest DIR && "
        "consultkit plugins"
    ),
)
@click.argument("name")
@click.option(
    "--hook",
    "hooks",
    multiple=True,
    type=click.Choice(HOOK_CHOICES),
    help=N_("A hook to implement; repeatable (default: validate_submission)."),
)
@click.option(
    "--directory",
    "-d",
    type=click.Path(file_okay=False, path_type=Path),
    help=N_("Where to create it (default: ./consultkit-NAME); must be empty or absent."),
)
@click.option("--description", help=N_("One sentence for the package metadata and README."))
def new_plugin(
    name: str, hooks: tuple[str, ...], directory: Path | None, description: str | None
) -> None:
    # Lazy import: only this command pays for Jinja2 (start-up benchmark).
    from consultkit.cli.scaffold import DEFAULT_HOOKS, ScaffoldError, plugin_names, render_plugin

    try:
        names = plugin_names(name)
        target = directory or Path(names["dist"])
        files = render_plugin(name, target, hooks=hooks or DEFAULT_HOOKS, description=description)
    except ScaffoldError as exc:
        fail(exc, EXIT_USAGE)
    words = ui_words(None)
    click.echo(
        words.ngettext(
            "created %(dist)s in %(target)s (%(num)s file)",
            "created %(dist)s in %(target)s (%(num)s files)",
            len(files),
            dist=names["dist"],
            target=target,
        )
    )
    click.echo(words.gettext("next:"))
    click.echo(f"  pip install -e '{target}[test]'")
    click.echo(f"  python -m pytest {target}")
    click.echo("  consultkit plugins")
