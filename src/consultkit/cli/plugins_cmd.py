"""``consultkit plugins``: which plugins are loaded, what they registered, which failed."""

from __future__ import annotations

import json

import click

from consultkit.cli.help_text import N_, HelpCommand


@click.command(
    "plugins",
    cls=HelpCommand,
    help=N_(
        "List every plugin (built-ins included): version, hooks and what it "
        "registered.\n\nPlugins that failed to load are listed too, with the reason; "
        "blocked ones (named in\nCONSULTKIT_DISABLE_PLUGINS) are listed as disabled."
    ),
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help=N_("A table for people, or JSON for scripts."),
)
@click.pass_context
def plugins(ctx: click.Context, output_format: str) -> None:
    # Lazy imports: the plugin host loads only for the commands that need it (start-up).
    from consultkit.cli.common import EXIT_REFUSED, fail, open_app, ui_words, worded
    from consultkit.errors import PluginError
    from consultkit.pluginhost.host import DISABLE_ENV, SOURCE_WORDS

    # No store: listing plugins never creates a database. Strict mode's failure exits 1.
    app = open_app(ctx, defer_store=True, code=EXIT_REFUSED)
    try:
        report = app.plugins()
    except PluginError as exc:
        fail(exc, EXIT_REFUSED)
    infos = report.plugins
    problems = [{"plugin": f.plugin, "hook": f.hook, "error": str(f)} for f in report.failures]
    unknown = list(report.unknown_disabled)
    words = ui_words(None)
    if unknown:
        known = ", ".join(info.name for info in infos)
        warning = words.ngettext(
            "%(variable)s names %(names)s, but no plugin has that name; check the spelling"
            " (plugins: %(known)s)",
            "%(variable)s names %(names)s, but no plugins have those names; check the spelling"
            " (plugins: %(known)s)",
            len(unknown),
            variable=DISABLE_ENV,
            names=", ".join(repr(name) for name in unknown),
            known=known or words.pgettext("installed plugins", "none"),
        )
        click.echo(words.gettext("warning: %(text)s", text=warning), err=True)
    if output_format == "json":
        document = {
            "plugins": [
                {
                    "name": info.name,
                    "version": info.version,
                    "source": info.source,
                    "hooks": list(info.hooks),
                    "registered": {k: list(v) for k, v in sorted(info.registered.items())},
                }
                for info in infos
            ],
            "failed": problems,
            "disabled": list(report.blocked),
            "unknown_disabled": unknown,
        }
        click.echo(json.dumps(document, indent=2, ensure_ascii=False))
        return

    from rich.console import Console
    from rich.table import Table

    table = Table(title=words.gettext("consultkit plugins"))
    table.add_column(words.pgettext("table heading", "plugin"))
    table.add_column(words.pgettext("table heading", "version"))
    table.add_column(words.pgettext("table heading", "source"))
    # One hook per line, never cut short: the hooks are what a plugin author comes to check.
    table.add_column(words.pgettext("table heading", "hooks"), no_wrap=True)
    table.add_column(words.pgettext("table heading", "registered"), overflow="fold")
    for info in infos:
        registered = "\n".join(
            f"{kind}: {', '.join(names)}" for kind, names in sorted(info.registered.items())
        )
        source = SOURCE_WORDS[info.source].render(words.language)
        table.add_row(info.name, info.version, source, "\n".join(info.hooks), registered)
    for name in report.blocked:
        table.add_row(name, "", words.gettext("disabled"), "", "")
    console = Console()
    console.print(table)
    for failure in report.failures:
        text = worded(failure, words.language)
        click.echo(words.gettext("warning: %(text)s", text=text), err=True)
