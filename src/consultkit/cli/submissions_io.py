"""``consultkit submissions export`` and ``consultkit submissions import``.

The ``submissions`` group (``cli/submissions_cmd.py``) attaches these two commands. Export
streams from the store's read connection (no write transaction is held, so intake goes on
during a long export); import streams the file in chunks through the application's bulk
import, so neither needs the whole data set in memory.

Exit codes of ``import``: 0 when every row was stored (or was already there), 1 when some
rows were refused (each is reported with its line), 2 when the file or the arguments
cannot be used at all.
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, cast

import click

from consultkit.cli.common import (
    EXIT_REFUSED,
    EXIT_USAGE,
    STORE_HELP,
    echo_error,
    fail,
    load_or_exit,
    open_app,
    ui_words,
    worded,
)
from consultkit.cli.help_text import N_, HelpCommand
from consultkit.reasons import os_reason

if TYPE_CHECKING:
    from consultkit.app.application import Consultkit
    from consultkit.domain.model import Consultation
    from consultkit.formats.submission_export import ExportFormat
    from consultkit.formats.submission_import import ImportFormat


@click.command(
    "export",
    cls=HelpCommand,
    help=N_("Export a consultation's submissions as CSV or JSON Lines, in received order."),
)
@click.argument("config", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "jsonl"]),
    default="csv",
    show_default=True,
    help=N_("CSV (formula cells neutralised for spreadsheets) or JSON Lines (raw values)."),
)
@click.option(
    "--public",
    is_flag=True,
    help=N_("Only accepted submissions, with consent applied and no e-mail addresses."),
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    help=N_("Write to this file (replaced only once the export is complete); default: stdout."),
)
@click.option(
    "--bom/--no-bom",
    default=True,
    show_default=True,
    help=N_(
        "Start a CSV export with a UTF-8 byte order mark, so spreadsheets (Excel) "
        "read Arabic, Chinese or Russian text as UTF-8; JSON Lines never has one."
    ),
)
@click.option("--store", "store_url", metavar="URL", help=STORE_HELP)
@click.pass_context
def export(
    ctx: click.Context,
    config: str,
    fmt: str,
    public: bool,
    output: str | None,
    bom: bool,
    store_url: str | None,
) -> None:
    from consultkit.errors import ConsultkitError
    from consultkit.files import FileWriteError

    consultation = load_or_exit(config)
    encoding = _export_encoding(fmt, bom=bom)
    app = open_app(ctx, store_url)
    export_format = cast("ExportFormat", fmt)
    try:
        if output is None:
            out = _stdout(encoding)
            try:
                count = app.export_submissions(
                    consultation, out, format=export_format, public=public
                )
            finally:
                out.flush()
                out.detach()
        else:
            count = _export_to_file(
                app, consultation, Path(output), export_format, public, encoding
            )
            wrote = ui_words(None).ngettext(
                "wrote %(num)s submission to %(path)s",
                "wrote %(num)s submissions to %(path)s",
                count,
                path=output,
            )
            click.echo(wrote, err=True)
    except FileWriteError as exc:
        fail(exc, EXIT_USAGE)
    except ConsultkitError as exc:
        fail(exc)
    except BrokenPipeError:
        # The reader went away (`| head`): point stdout at devnull so the interpreter's
        # final flush does not complain again, and say the export is incomplete.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        fail(ui_words(None).gettext("stdout was closed before the export finished"), EXIT_REFUSED)
    except OSError as exc:
        words = ui_words(None)
        fail(
            words.gettext(
                "cannot write %(path)s: %(reason)s",
                path=output or "stdout",
                reason=worded(os_reason(exc), words.language),
            ),
            EXIT_USAGE,
        )
    finally:
        app.close()


def _export_encoding(fmt: str, *, bom: bool) -> str:
    # Excel opens a CSV file without a byte order mark in the machine's ANSI code page, so
    # Arabic, Chinese and Russian come out garbled; "utf-8-sig" writes the mark first.
    # The import reads files with or without it.
    return "utf-8-sig" if fmt == "csv" and bom else "utf-8"


def _stdout(encoding: str) -> io.TextIOWrapper:
    # CSV rows end in CRLF (RFC 4180): write bytes through untranslated, in UTF-8 whatever
    # the terminal's locale says.
    return io.TextIOWrapper(sys.stdout.buffer, encoding=encoding, newline="")


def _export_to_file(
    app: Consultkit,
    consultation: Consultation,
    path: Path,
    fmt: ExportFormat,
    public: bool,
    encoding: str,
) -> int:
    from consultkit.files import atomic_file

    # An exclusive temporary file beside the target (never a predictable `.partial` name
    # that someone could plant a symlink under), renamed over it once complete. A full
    # export holds names and addresses: it is its owner's alone (0600) from the first byte,
    # as a killed export leaves the temporary file behind; a public one is meant to be
    # served, so the umask decides.
    with atomic_file(path, mode=None if public else 0o600) as raw:
        out = io.TextIOWrapper(raw, encoding=encoding, newline="")
        try:
            count = app.export_submissions(consultation, out, format=fmt, public=public)
            out.flush()
        finally:
            out.detach()
    return count


@click.command(
    "import",
    cls=HelpCommand,
    help=N_(
        "Import submissions from CSV or JSON Lines; bad rows are reported with their "
        "line.\n\nGood rows are stored (provenance bulk-import) even when others are "
        "bad; running the\nsame file again skips what is already stored. Exit 0 when "
        "every row was stored, 1\nwhen some were refused, 2 when the file cannot be "
        "read."
    ),
)
@click.argument("config", type=click.Path(exists=True, dir_okay=False))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "jsonl"]),
    default=None,
    help=N_("Format of FILE (default: from its name: .jsonl/.ndjson is JSON Lines, else CSV)."),
)
@click.option("--store", "store_url", metavar="URL", help=STORE_HELP)
@click.option(
    "--chunk-size",
    type=click.IntRange(min=1),
    default=10_000,
    show_default=True,
    help=N_("Rows read and committed together."),
)
@click.pass_context
def import_(
    ctx: click.Context,
    config: str,
    file: str,
    fmt: str | None,
    store_url: str | None,
    chunk_size: int,
) -> None:
    from consultkit.errors import ConsultkitError, Problem
    from consultkit.formats.submission_export import declared_fields
    from consultkit.formats.submission_import import ImportFileError, guess_format, read_chunks

    consultation = load_or_exit(config)
    fmt_used = fmt or guess_format(file)
    app = open_app(ctx, store_url)
    name = "<stdin>" if file == "-" else file
    try:
        # Closed in the finally below; a with-block would not cover the stdin case.
        raw: IO[bytes] = sys.stdin.buffer if file == "-" else Path(file).open("rb")  # noqa: SIM115
    except OSError as exc:
        app.close()
        words = ui_words(None)
        fail(
            words.gettext(
                "cannot read %(path)s: %(reason)s",
                path=name,
                reason=worded(os_reason(exc), words.language),
            ),
            EXIT_USAGE,
        )
    total = None if file == "-" else Path(file).stat().st_size
    # utf-8-sig: spreadsheets often save CSV with a byte order mark; newline="" keeps
    # line breaks inside quoted CSV cells intact (the csv module's rule).
    text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
    counts = {"rows": 0, "stored": 0, "skipped": 0, "refused": 0}
    try:
        with _progress(total) as (progress, task):
            chunks = read_chunks(
                text,
                format=cast("ImportFormat", fmt_used),
                consultation_id=consultation.id,
                default_language=consultation.default_language,
                file=name,
                chunk_size=chunk_size,
                fields=declared_fields(consultation),
            )
            for chunk in chunks:
                problems = list(chunk.problems)
                counts["refused"] += len(chunk.problems)
                counts["rows"] += len(chunk.problems)
                if chunk.rows:
                    report = app.import_submissions(
                        consultation,
                        chunk.rows,
                        chunk_size=chunk_size,
                    )
                    counts["rows"] += report.rows
                    counts["stored"] += report.stored
                    counts["skipped"] += report.skipped
                    counts["refused"] += len(report.refused)
                    # The application numbers rows within the chunk; report file lines.
                    problems.extend(
                        Problem(
                            path=r.rule,
                            message=r.message,
                            file=name,
                            line=chunk.rows[r.row - 1].line,
                        )
                        for r in report.refused
                    )
                for problem in sorted(problems, key=lambda p: p.line or 0):
                    # Problems quote the file's cells: show their escapes, never obey them.
                    echo_error(problem)
                if total is not None:
                    progress.update(task, completed=raw.tell())
    except ImportFileError as exc:
        fail(exc, EXIT_USAGE)
    except UnicodeDecodeError as exc:
        fail(
            ui_words(None).gettext(
                # The codec's own reason is English: the byte says where to look.
                "%(path)s: not UTF-8 text (at byte %(byte)s)",
                path=name,
                byte=exc.start,
            ),
            EXIT_USAGE,
        )
    except ConsultkitError as exc:
        # The store failed (a full disk, a lost server): chunks committed so far stay, and
        # importing the file again resumes after them.
        words = ui_words(None)
        fail(
            words.ngettext(
                "%(error)s; %(num)s row was stored before this; import the file again to resume",
                "%(error)s; %(num)s rows were stored before this; import the file again to resume",
                counts["stored"],
                error=exc.render(words.language),
            ),
            EXIT_USAGE,
        )
    finally:
        app.close()
        text.detach()
        if file != "-":
            raw.close()
    click.echo(
        ui_words(None).ngettext(
            "%(num)s row: %(stored)s stored, %(skipped)s already present, %(refused)s refused",
            "%(num)s rows: %(stored)s stored, %(skipped)s already present, %(refused)s refused",
            counts["rows"],
            stored=counts["stored"],
            skipped=counts["skipped"],
            refused=counts["refused"],
        ),
        err=True,
    )
    if counts["refused"]:
        sys.exit(EXIT_REFUSED)


class _progress:
    """A rich progress bar over the file's bytes on stderr; silent when stderr is no TTY."""

    def __init__(self, total: int | None) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn

        console = Console(stderr=True)
        self.progress = Progress(
            TextColumn(ui_words(None).gettext("importing"), markup=False),
            BarColumn(),
            DownloadColumn(),
            console=console,
            disable=not console.is_terminal,
            transient=True,
        )
        self.task = self.progress.add_task("import", total=total)

    def __enter__(self) -> tuple[Any, Any]:
        self.progress.start()
        return self.progress, self.task

    def __exit__(self, *_: object) -> None:
        self.progress.stop()
