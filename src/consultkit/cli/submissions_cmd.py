"""``consultkit submissions``: list, show, withdraw and erase submissions.

Decisions are taken with ``consultkit review decide`` (:mod:`consultkit.cli.review_cmd`).

``export`` and ``import`` live in :mod:`consultkit.cli.submissions_io` and are loaded only
when one of them runs, so the other subcommands start fast.
"""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING, Any, TextIO

import click

from consultkit.cli.common import (
    EXIT_USAGE,
    aligned,
    fail,
    load_or_exit,
    open_app,
    ui_words,
    worded,
)
from consultkit.cli.help_text import N_, HelpGroup
from consultkit.cli.submit_cmd import STORE_HELP, guarded
from consultkit.cli.terminal import for_terminal, json_for_terminal, rich_text
from consultkit.formats.labels import role_label, submission_status_label, verification_label

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from consultkit.domain.submissions import HistoryEntry, Submission
    from consultkit.i18n import Messages

# subcommand name -> "module:attribute", imported on first use
LAZY_SUBCOMMANDS: dict[str, str] = {
    "export": "consultkit.cli.submissions_io:export",
    "import": "consultkit.cli.submissions_io:import_",
}


class SubmissionsGroup(HelpGroup):
    """The ``submissions`` group, whose data-tool subcommands load lazily."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = set(self.commands)
        names.update(name for name, target in LAZY_SUBCOMMANDS.items() if _exists(target))
        return sorted(names)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        target = LAZY_SUBCOMMANDS.get(cmd_name)
        if target is None or not _exists(target):
            return None
        module_name, attribute = target.split(":")
        command = getattr(importlib.import_module(module_name), attribute)
        assert isinstance(command, click.Command)
        return command


def _exists(target: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(target.split(":")[0]) is not None


@click.group(
    cls=SubmissionsGroup,
    help=N_("Look after the submissions of a consultation (the organiser's tools)."),
)
def submissions() -> None:
    pass


_config = click.argument("config", type=click.Path(exists=True, dir_okay=False))
_store = click.option("--store", "store_url", metavar="URL", help=STORE_HELP)
_format = click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)


def _iso(value: Any) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def _entry_json(entry: HistoryEntry) -> dict[str, Any]:
    return {
        "at": _iso(entry.at),
        "actor_role": str(entry.actor.role),
        "actor": entry.actor.id,
        "from_status": str(entry.from_status) if entry.from_status else None,
        "to_status": str(entry.to_status),
        "reason": entry.reason,
    }


def _submission_json(submission: Submission) -> dict[str, Any]:
    from consultkit.domain.lifecycle import public_status
    from consultkit.formats.submission_export import full_row

    row = dict(full_row(submission))
    row["public_status"] = public_status(submission.status)
    row["fields"] = dict(submission.fields)  # the call's own fields, by key
    return row


@submissions.command(
    "list", help=N_("List the submissions of the consultation in CONFIG, oldest first.")
)
@_config
@click.option("--call", "call_id", help=N_("Only this call's submissions."))
@click.option(
    "--status",
    type=click.Choice(["draft", "submitted", "under-review", "accepted", "rejected", "withdrawn"]),
    help=N_("Only submissions in this status."),
)
@click.option("--group", help=N_("Only this stakeholder group's submissions."))
@click.option(
    "--tag", help=N_("Only submissions with this tag: a term of a vocabulary of the consultation.")
)
@click.option(
    "--provenance",
    type=click.Choice(["web", "api", "bulk-import", "organiser"]),
    help=N_("Only submissions that arrived this way."),
)
@click.option(
    "--held/--not-held",
    default=None,
    help=N_("Only submissions plugins hold for review (or only those not held)."),
)
@click.option("--limit", type=click.IntRange(min=1), help=N_("Show at most this many."))
@_format
@_store
@click.pass_context
def list_(
    ctx: click.Context,
    config: str,
    call_id: str | None,
    status: str | None,
    group: str | None,
    tag: str | None,
    provenance: str | None,
    held: bool | None,
    limit: int | None,
    fmt: str,
    store_url: str | None,
) -> None:
    import itertools
    import zoneinfo

    from consultkit.domain.lifecycle import public_status
    from consultkit.domain.submissions import Provenance, SubmissionStatus
    from consultkit.domain.vocabularies import resolve_tag
    from consultkit.errors import UnreadableValueError

    consultation = load_or_exit(config)
    if tag is not None:
        try:
            tag = resolve_tag(tag, consultation.vocabularies)
        except UnreadableValueError as exc:
            language = ui_words(None).language
            raise click.BadParameter(worded(exc, language), param_hint="--tag") from None
    with guarded(open_app(ctx, store_url)) as app:

        def listing() -> Iterator[Submission]:
            found = app.list_submissions(
                consultation,
                call_id=call_id,
                status=SubmissionStatus(status) if status else None,
                group=group,
                tag=tag,
                provenance=Provenance(provenance) if provenance else None,
                held=held,
            )
            return itertools.islice(found, limit)

        # Streamed: a listing of a million submissions is never held in memory (issue 14:
        # 1.2 GB at 100k as JSON, 2.5 GB as a table).
        if fmt == "json":
            _echo_json_list(_submission_json(s) for s in listing())
            return
        from rich.console import Console
        from rich.table import Table

        zone = zoneinfo.ZoneInfo(consultation.zone)
        chosen = listing()
        page = list(itertools.islice(chosen, _TABLE_PAGE))
        total = len(page)
        if total == _TABLE_PAGE:  # more may follow: count them first, holding none
            total = sum(1 for _ in listing())
        console = Console()
        words = ui_words(None)
        title: str | None = words.gettext(
            "Submissions: %(id)s (%(count)s)", id=consultation.id, count=total
        )
        while page:
            # rich measures a whole table before printing it, so a long listing is
            # printed as tables of one page each.
            table = Table(title=title)
            title = None
            for column in (
                words.pgettext("table heading", "tracking number"),
                words.pgettext("table heading", "received"),
            ):
                table.add_column(column, no_wrap=True)
            for column in (
                words.pgettext("table heading", "call"),
                words.pgettext("table heading", "group"),
                words.pgettext("table heading", "status"),
                words.pgettext("table heading", "public"),
                words.pgettext("table heading", "submitter"),
                words.pgettext("table heading", "title"),
            ):
                table.add_column(column, overflow="fold")
            for s in page:
                who = s.submitter
                # Everything a submitter typed goes through rich_text: no escape sequence
                # reaches the terminal and no rich markup ([link=…]) is read (issue 9, #10).
                table.add_row(
                    s.tracking_number,
                    f"{s.received_at.astimezone(zone):%Y-%m-%d %H:%M}",
                    rich_text(s.call_id),
                    rich_text(who.group if who else ""),
                    _status_text(s.status, held=s.held, words=words),
                    submission_status_label(public_status(s.status), words),
                    rich_text(who.name if who else words.gettext("(erased)")),
                    rich_text(s.title if len(s.title) <= 60 else s.title[:59] + "…"),
                )
            console.print(table)
            page = list(itertools.islice(chosen, _TABLE_PAGE))


def _status_text(status: str, *, held: str | None, words: Messages) -> str:
    text = submission_status_label(status, words)
    return words.gettext("%(status)s (held)", status=text) if held else text


_TABLE_PAGE = 500
"""Rows per printed table in ``submissions list``: a listing this short is one table."""


def _echo_json_list(items: Iterable[Any]) -> None:
    """Print ``items`` as one indented JSON array, an item at a time.

    The text is what ``json_for_terminal(list(items), indent=2)`` gives, without the list.
    """
    out = sys.stdout
    opening = "[\n"
    for item in items:
        text = json_for_terminal(item, indent=2)
        out.write(opening + "\n".join("  " + line for line in text.split("\n")))
        opening = ",\n"
    out.write("[]\n" if opening == "[\n" else "\n]\n")
    out.flush()


@submissions.command(
    help=N_(
        "Show one submission (by tracking number or id) with its history: the organiser's view."
    )
)
@_config
@click.argument("reference")
@_format
@_store
@click.pass_context
def show(ctx: click.Context, config: str, reference: str, fmt: str, store_url: str | None) -> None:

    consultation = load_or_exit(config)
    with guarded(open_app(ctx, store_url)) as app:
        record = app.show(consultation, reference)
        if fmt == "json":
            document = _submission_json(record.submission)
            document["history"] = [_entry_json(e) for e in record.history]
            document["versions"] = [
                {"version": v.version, "replaced_at": _iso(v.replaced_at), "title": v.title}
                for v in record.versions
            ]
            click.echo(json_for_terminal(document, indent=2))
            return
        s = record.submission
        who = s.submitter
        # What a submitter typed is shown through for_terminal, one line each (a name with
        # a line break cannot fake a "Status:" line); the body keeps its own lines.
        one = for_terminal
        words = ui_words(None)
        submitter_text = (
            f"{one(who.name)} <{one(who.email)}>"
            if who
            else words.gettext("(erased %(when)s)", when=_iso(s.erased_at))
        )
        rows = [
            (words.gettext("Tracking number:"), s.tracking_number),
            (words.gettext("Id:"), s.id),
            (words.gettext("Call:"), s.call_id),
            (
                words.gettext("Status:"),
                words.gettext(
                    "%(status)s (public: %(public)s)",
                    status=submission_status_label(s.status, words),
                    public=submission_status_label(record.public_status, words),
                ),
            ),
            (words.gettext("Received:"), _iso(s.received_at) or ""),
            (words.gettext("Provenance:"), str(s.provenance)),
            (words.gettext("Verification:"), verification_label(s.verification, words)),
            (words.gettext("Held:"), one(s.held) if s.held else words.gettext("no")),
            (words.gettext("Submitter:"), submitter_text),
        ]
        if who is not None:
            rows.append((words.gettext("Group:"), one(who.group)))
            if who.organisation:
                rows.append((words.gettext("Organisation:"), one(who.organisation)))
            if who.country:
                rows.append((words.gettext("Country:"), one(who.country)))
        consent = [
            name
            for name, given in (
                (words.pgettext("consent", "text"), s.consent.publish_text),
                (words.pgettext("consent", "name"), s.consent.publish_name),
                (words.pgettext("consent", "organisation"), s.consent.publish_organisation),
            )
            if given
        ]
        rows += [
            (words.gettext("Language:"), one(s.language)),
            (words.gettext("Tags:"), one(", ".join(s.tags)) or "-"),
            (words.gettext("Attachments:"), one(", ".join(s.attachments)) or "-"),
            (
                words.gettext("Consent:"),
                words.gettext("publish %(parts)s", parts=", ".join(consent))
                if consent
                else words.gettext("publish nothing"),
            ),
            (words.gettext("Fingerprint:"), f"{s.fingerprint[:16]}…"),
            (words.gettext("Title:"), one(s.title)),
        ]
        lines = [
            *aligned(rows),
            "",
            for_terminal(s.body, multiline=True)
            if s.body is not None
            else words.gettext("(text removed)"),
            "",
            words.gettext("History:"),
        ]
        for e in record.history:
            why = f" ({one(e.reason)})" if e.reason else ""
            change = words.gettext(
                "%(before)s -> %(after)s by %(role)s %(actor)s",
                before=submission_status_label(e.from_status, words) if e.from_status else "-",
                after=submission_status_label(e.to_status, words),
                role=role_label(e.actor.role, words),
                actor=one(e.actor.id),
            )
            lines.append(f"  {_iso(e.at)}  {change}{why}")
        for v in record.versions:
            edited = words.gettext(
                "edited: version %(version)s replaced (%(title)s)",
                version=v.version,
                title=one(v.title),
            )
            lines.append(f"  {_iso(v.replaced_at)}  {edited}")
        click.echo("\n".join(lines))


@submissions.command(
    help=N_(
        "Withdraw your submission (by tracking number); --email must be the one you sent it from."
    )
)
@_config
@click.argument("reference")
@click.option("--email", required=True, help=N_("The e-mail address the submission was sent from."))
@click.option("--reason", help=N_("Why (kept in the history)."))
@_store
@click.pass_context
def withdraw(
    ctx: click.Context,
    config: str,
    reference: str,
    email: str,
    reason: str | None,
    store_url: str | None,
) -> None:
    consultation = load_or_exit(config)
    with guarded(open_app(ctx, store_url)) as app:
        changed = app.withdraw(consultation, reference, email=email, reason=reason)
        words = ui_words(None)
        click.echo(words.gettext("Withdrawn: %(number)s", number=changed.tracking_number))


@submissions.command(
    help=N_(
        "Confirm a submitter's e-mail address with the link (or its token) they were "
        "sent.\n\nFor a submitter who cannot open the link from their mail: paste it "
        "here. Needs the\nsame secret as the server that made it (CONSULTKIT_SECRET "
        "or the settings file)."
    )
)
@_config
@click.argument("link")
@_store
@click.pass_context
def confirm(ctx: click.Context, config: str, link: str, store_url: str | None) -> None:
    consultation = load_or_exit(config)
    token = link.strip().rstrip("/").rsplit("/", 1)[-1]
    with guarded(open_app(ctx, store_url)) as app:
        confirmed = app.confirm_email(consultation, token)
        level = verification_label(confirmed.verification, ui_words(None))
        click.echo(f"{confirmed.tracking_number}: {level}")


@submissions.command(
    help=N_(
        "Edit your submission (by tracking number) until the call's deadline, where "
        "the call\nallows it; what you do not give is kept. The earlier version is "
        "kept too, and a new\nreceipt is sent to you."
    )
)
@_config
@click.argument("reference")
@click.option("--email", required=True, help=N_("The e-mail address the submission was sent from."))
@click.option("--title", help=N_("The new title."))
@click.option("--body", help=N_("The new text."))
@click.option(
    "--body-file",
    type=click.File("r", encoding="utf-8"),
    help=N_("Read the new text from FILE ('-' for standard input)."),
)
@click.option("--tag", "tags", multiple=True, help=N_("The new tags (all of them); repeatable."))
@click.option(
    "--field",
    "field_pairs",
    multiple=True,
    metavar="KEY=VALUE",
    help=N_("The new values of the call's own fields (all of them, as for submit); repeatable."),
)
@_store
@click.pass_context
def edit(
    ctx: click.Context,
    config: str,
    reference: str,
    email: str,
    title: str | None,
    body: str | None,
    body_file: TextIO | None,
    tags: tuple[str, ...],
    field_pairs: tuple[str, ...],
    store_url: str | None,
) -> None:
    from consultkit.domain.fields import values_from_text
    from consultkit.errors import UnreadableValueError

    if body is not None and body_file is not None:
        fail(
            ui_words(None).gettext("give the new text with one of --body TEXT or --body-file FILE"),
            EXIT_USAGE,
        )
    text = body if body_file is None else body_file.read()
    consultation = load_or_exit(config)
    with guarded(open_app(ctx, store_url)) as app:
        current = app.find(consultation, reference)
        declared = consultation.call(current.call_id).fields
        try:
            values = values_from_text(declared, field_pairs) if field_pairs else None
        except UnreadableValueError as exc:
            language = ui_words(None).language
            raise click.BadParameter(worded(exc, language), param_hint="--field") from None
        receipt = app.edit(
            consultation,
            reference,
            email=email,
            title=title,
            body=text,
            tags=tags or None,
            fields=values,
        )
        words = ui_words(None)
        click.echo(
            words.gettext(
                "Edited: %(number)s (version %(version)s)",
                number=receipt.tracking_number,
                version=receipt.version,
            )
        )


def _stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


@submissions.command(
    help=N_("Erase a submitter's name, address and organisation everywhere (cannot be undone).")
)
@_config
@click.option("--email", required=True, help=N_("The submitter whose identity is erased."))
@click.option(
    "--keep-text/--remove-text",
    default=False,
    show_default=True,
    help=N_("Keep the title and text (anonymised) or remove them too."),
)
@click.option(
    "--reason",
    default="erasure requested by the submitter",
    show_default=True,
    help=N_("The ground recorded in the tombstone (e.g. 'GDPR Art. 17 request')."),
)
@click.option("--yes", is_flag=True, help=N_("Do not ask for confirmation."))
@_store
@click.pass_context
def erase(
    ctx: click.Context,
    config: str,
    email: str,
    keep_text: bool,
    reason: str,
    yes: bool,
    store_url: str | None,
) -> None:
    consultation = load_or_exit(config)
    if not yes:
        if not _stdin_is_terminal():
            # click.confirm would read end-of-file and print a bare "Aborted!".
            fail(
                ui_words(None).gettext(
                    "erasing cannot be undone: confirm it in a terminal, or add --yes"
                ),
                EXIT_USAGE,
            )
        try:
            confirmed = click.confirm(
                f"Erase every trace of {email} from {consultation.id}? This cannot be undone"
            )
        except click.Abort:
            confirmed = False
        if not confirmed:
            fail(
                ui_words(None).gettext("nothing erased (add --yes to erase without the question)"),
                EXIT_USAGE,
            )
    with guarded(open_app(ctx, store_url)) as app:
        count = app.erase_submitter(consultation, email, keep_text=keep_text, reason=reason)
        words = ui_words(None)
        click.echo(
            words.ngettext(
                "identity erased from %(num)s submission",
                "identity erased from %(num)s submissions",
                count,
            )
            if keep_text
            else words.ngettext(
                "identity and text erased from %(num)s submission",
                "identity and text erased from %(num)s submissions",
                count,
            )
        )


@submissions.command(
    help=N_(
        "Count campaign texts: groups of identical or nearly identical "
        "submissions.\n\nNear-identical means a form letter with a greeting, a "
        "signature, a name or a\nsentence or two of its own: at least half of the "
        "word 3-shingles in common with the\ngroup's leading text (texts under 10 "
        "words count only when identical). Nothing is\nremoved: every submission "
        "stays stored and counted."
    )
)
@_config
@click.option(
    "--exact-only",
    is_flag=True,
    help=N_("Count identical copies only (same normalised text), not near-identical ones."),
)
@click.option(
    "--similarity",
    type=click.FloatRange(min=0.0, max=1.0, min_open=True),
    default=None,
    metavar="J",
    help=N_(
        "Near-identical threshold: share of word 3-shingles in common with the "
        "group's leading text (default 0.5)."
    ),
)
@_format
@_store
@click.pass_context
def campaigns(
    ctx: click.Context,
    config: str,
    exact_only: bool,
    similarity: float | None,
    fmt: str,
    store_url: str | None,
) -> None:

    from rich.cells import cell_len

    from consultkit.errors import UnknownItemError

    consultation = load_or_exit(config)
    with guarded(open_app(ctx, store_url)) as app:
        if similarity is None:
            groups = app.duplicates(consultation, exact_only=exact_only)
        else:
            groups = app.duplicates(consultation, similarity=similarity, exact_only=exact_only)
        if fmt == "json":
            document = [{"count": g.count, "exact": g.exact, "ids": list(g.ids)} for g in groups]
            click.echo(json_for_terminal(document, indent=2))
            return
        words = ui_words(None)
        if not groups:
            click.echo(words.gettext("no campaign texts: every submission is distinct"))
            return
        kinds = {True: words.gettext("identical"), False: words.gettext("near-identical")}
        width = max(cell_len(kind) for kind in kinds.values()) + 1
        for group in groups:
            kind = kinds[group.exact]
            try:
                title = app.find(consultation, group.ids[0]).title
            except UnknownItemError:
                title = "?"
            padding = " " * (width - cell_len(kind))
            click.echo(f"{group.count:>8}  {kind}{padding} {for_terminal(title)}")
