"""The command line's ``--help`` in the reader's language: translated when it is shown.

Every help text is an English message of consultkit's catalogue, marked with :func:`N_`
where it is written (``help=N_("…")`` on commands, groups and options) and translated when
help is formatted, by :class:`HelpCommand` and :class:`HelpGroup`, so nothing is looked up
at import time and a command that runs pays nothing for its help. The language is the
locale's (``LC_ALL``, ``LC_MESSAGES``, ``LANG``: :func:`consultkit.i18n.environment_language`):
a command's ``--lang`` is known only once its arguments are parsed, after ``--help`` has
been answered. In English the texts are already what the code says, so no catalogue is read.

click's own words in help (``Usage:``, ``Options:``, ``Commands:``, ``Show this message and
exit.``, ``[default: …]``, ``[required]``) come from click's own ``gettext`` calls, for which
click ships no catalogue; they are consultkit's messages too, so a help page is in one
language, and so are click's usage errors (``Error: No such option: --x``). Plugins give
their commands ``cls=HelpCommand`` (or ``HelpGroup``) and mark their texts the same way;
the catalogue extracts them (``pyproject.toml``, ``[tool.babel]``).
"""

from __future__ import annotations

import contextlib
import inspect
import re
import sys
from typing import IO, TYPE_CHECKING, Any

import click
from click.exceptions import NoArgsIsHelpError

from consultkit.cli.type_complaints import type_complaint

if TYPE_CHECKING:
    from collections.abc import Iterator

    from consultkit.i18n import Messages


def N_(message: str) -> str:
    """Mark ``message`` for the catalogue and return it unchanged: it is translated when shown."""
    return message


# click's help option and version option say these; click ships no catalogue for them.
CLICK_WORDS = (N_("Show this message and exit."), N_("Show the version and exit."))


def help_words() -> Messages | None:
    """The catalogue help is shown in, or ``None`` for English (the texts as written)."""
    # Lazy: only a help page pays for the catalogue (benchmarks/bench_startup.py).
    from consultkit.i18n import environment_language, messages

    language = environment_language()
    return None if language == "en" else messages(language)


def _translated(text: str, words: Messages) -> str:
    return words.gettext(inspect.cleandoc(text))


_SENTENCE_END = r"(?<=[.!?])\s+(?=[^a-z])|(?<=[。！？])"


def short_help(text: str, limit: int) -> str:
    """The first sentence of ``text``'s first paragraph, cut to ``limit`` characters.

    click's own shortening ends a sentence at ``.`` only and cuts at spaces, so a Chinese
    text (``。``, no spaces) would become ``...``.
    """
    paragraph = " ".join(text.partition("\n\n")[0].replace("\b", " ").split())
    sentence = re.split(_SENTENCE_END, paragraph, maxsplit=1)[0].strip()
    if len(sentence) <= limit:
        return sentence
    cut = sentence[: max(limit - 3, 0)]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut + "..."


class HelpCommand(click.Command):
    """A command whose help, and click's words around it, are translated when shown; so are
    click's usage errors (:class:`UsageErrorInLanguage`)."""

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as error:
            raise in_language(error) from None

    def invoke(self, ctx: click.Context) -> Any:
        # A command refuses a value itself too, after parsing (--now, --score, --field,
        # --tag): click's frame around it is the reader's words as well.
        try:
            return super().invoke(ctx)
        except click.UsageError as error:
            raise in_language(error) from None

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        words = help_words()
        if words is None:
            super().format_usage(ctx, formatter)
            return
        pieces = self.collect_usage_pieces(ctx)
        prefix = words.gettext("Usage:") + " "
        formatter.write_usage(ctx.command_path, " ".join(pieces), prefix=prefix)

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        words = help_words()
        if words is None or not self.help:
            super().format_help_text(ctx, formatter)
            return
        text = _translated(self.help, words).partition("\f")[0]
        formatter.write_paragraph()
        with formatter.indentation():
            formatter.write_text(text)

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        words = help_words()
        if words is None or not self.epilog:
            super().format_epilog(ctx, formatter)
            return
        formatter.write_paragraph()
        with formatter.indentation():
            formatter.write_text(_translated(self.epilog, words))

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        words = help_words()
        if words is None:
            super().format_options(ctx, formatter)
            return
        records = [
            _option_record(param, ctx, words)
            for param in self.get_params(ctx)
            if isinstance(param, click.Option) and not param.hidden
        ]
        if records:
            with _section(formatter, words.gettext("Options:")):
                formatter.write_dl(records)
        if isinstance(self, click.Group):
            self.format_commands(ctx, formatter)

    def get_short_help_str(self, limit: int = 45) -> str:
        words = help_words()
        if words is None or self.deprecated:
            return super().get_short_help_str(limit)
        text = self.short_help or self.help
        return short_help(_translated(text, words), limit) if text else ""


class HelpGroup(HelpCommand, click.Group):
    """A group of :class:`HelpCommand`: its own help, and its commands', translated."""

    command_class = HelpCommand
    group_class = type  # subgroups are HelpGroups too

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as error:  # "No such command"
            raise in_language(error) from None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        words = help_words()
        if words is None:
            super().format_commands(ctx, formatter)
            return
        commands = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                commands.append((name, command))
        if commands:
            limit = formatter.width - 6 - max(len(name) for name, _ in commands)
            rows = [(name, command.get_short_help_str(limit)) for name, command in commands]
            with _section(formatter, words.gettext("Commands:")):
                formatter.write_dl(rows)


class UsageErrorInLanguage(click.UsageError):
    """A usage error of click's, shown as :meth:`click.UsageError.show` shows it, in ``words``.

    click words its errors with ``gettext`` when it raises them, with no catalogue; the
    frame (usage line, ``Try … for help.``, ``Error:``), unknown options, missing arguments
    and options, unknown commands and the ``Invalid value for …`` prefix are reworded from
    the error's own fields, and a value type's complaint (``'x' is not one of …``) by
    :func:`~consultkit.cli.type_complaints.type_complaint`.
    """

    def __init__(self, error: click.UsageError, words: Messages) -> None:
        super().__init__(_usage_message(error, words), error.ctx)
        self.words = words

    def show(self, file: IO[Any] | None = None) -> None:
        stream = file if file is not None else sys.stderr
        ctx, words = self.ctx, self.words
        if ctx is not None:
            hint = ""
            names = ctx.command.get_help_option_names(ctx)
            if names and ctx.command.get_help_option(ctx) is not None:
                option = f"{ctx.command_path} {max(names, key=len)}"
                hint = words.gettext("Try '%(command)s' for help.", command=option) + "\n"
            click.echo(f"{ctx.get_usage()}\n{hint}", file=stream, color=ctx.color)
        message = words.gettext("Error: %(error)s", error=self.format_message())
        click.echo(message, file=stream, color=ctx.color if ctx is not None else None)


def in_language(error: click.UsageError) -> click.UsageError:
    """``error`` to be shown in the locale's language; itself in English, or when it shows
    help rather than an error (a group called without a command)."""
    words = help_words()
    if words is None or isinstance(error, UsageErrorInLanguage | NoArgsIsHelpError):
        return error
    return UsageErrorInLanguage(error, words)


def _usage_message(error: click.UsageError, words: Messages) -> str:
    ctx = error.ctx
    if isinstance(error, click.NoSuchOption):
        text = words.gettext("No such option: %(name)s", name=error.option_name)
        if error.possibilities:
            options = ", ".join(repr(p) for p in sorted(error.possibilities))
            text += " " + words.ngettext(
                "Did you mean %(options)s?",
                "(Did you mean one of: %(options)s?)",
                len(error.possibilities),
                options=options,
            )
        return text
    if isinstance(error, click.BadParameter):
        param = error.param
        hint = error.param_hint or (param.get_error_hint(ctx) if param is not None else None)
        name = hint if isinstance(hint, str) or hint is None else " / ".join(map(repr, hint))
        if isinstance(error, click.MissingParameter) and name is not None:
            if isinstance(param, click.Argument):
                return words.gettext("Missing argument %(name)s.", name=name)
            return words.gettext("Missing option %(name)s.", name=name)
        if name is not None and not isinstance(error, click.MissingParameter):
            problem = type_complaint(error, words)
            return words.gettext(
                "Invalid value for %(name)s: %(problem)s", name=name, problem=problem
            )
    if error.message.startswith("Got unexpected extra argument"):  # Command.parse_args
        # click joins the extra arguments with spaces inside the parentheses.
        args = error.message.partition("(")[2].rpartition(")")[0]
        return words.ngettext(
            "Got unexpected extra argument (%(args)s)",
            "Got unexpected extra arguments (%(args)s)",
            len(args.split(" ")),
            args=args,
        )
    if error.message.startswith("No such command"):  # Group.resolve_command's ctx.fail
        name = error.message.partition(" command ")[2].rstrip(".")
        return words.gettext("No such command %(name)s.", name=name)
    return error.format_message()


@contextlib.contextmanager
def _section(formatter: click.HelpFormatter, heading: str) -> Iterator[None]:
    """click's ``formatter.section`` with the heading as the language writes it: click adds
    an ASCII colon, where French wants ``Options :`` and Chinese ``选项：``."""
    formatter.write_paragraph()
    formatter.write(f"{'':>{formatter.current_indent}}{heading}\n")
    with formatter.indentation():
        yield


def _option_record(option: click.Option, ctx: click.Context, words: Messages) -> tuple[str, str]:
    """An option's row: its names as click writes them, its help and click's notes translated."""
    names = (option.get_help_record(ctx) or ("", ""))[0]
    text = words.gettext(option.help) if option.help else ""
    extra = option.get_help_extra(ctx)
    notes = []
    if "envvars" in extra:
        notes.append(words.gettext("env var: %(var)s", var=", ".join(extra["envvars"])))
    if "default" in extra:
        notes.append(words.gettext("default: %(default)s", default=extra["default"]))
    if "range" in extra:
        notes.append(extra["range"])
    if "required" in extra:
        notes.append(words.gettext("required"))
    if notes:
        text = f"{text}  [{'; '.join(notes)}]" if text else f"[{'; '.join(notes)}]"
    return names, text


__all__ = [
    "CLICK_WORDS",
    "N_",
    "HelpCommand",
    "HelpGroup",
    "UsageErrorInLanguage",
    "help_words",
    "in_language",
    "short_help",
]
