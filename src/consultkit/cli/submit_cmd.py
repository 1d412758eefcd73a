"""``consultkit submit``: send one submission and print its receipt."""

from __future__ import annotations

import contextlib
import sys
from typing import TYPE_CHECKING, TextIO

import click

from consultkit.cli.common import (
    EXIT_REFUSED,
    EXIT_USAGE,
    aligned,
    bad_parameter,
    fail,
    load_or_exit,
    open_app,
    ui_words,
    worded,
)
from consultkit.cli.help_text import N_, HelpCommand
from consultkit.reasons import os_reason

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Iterator, Sequence

    from consultkit.app.application import Consultkit
    from consultkit.domain.attachments import Upload
    from consultkit.domain.fields import AnyField
    from consultkit.errors import ConsultkitError

STORE_HELP = N_(
    "Where submissions are kept: memory://, sqlite:///PATH (default: "
    "$CONSULTKIT_STORE or ./consultkit.sqlite)."
)


def refusal(exc: ConsultkitError, language: str | None = None) -> str:
    """A refusal as one line in ``language`` (else the locale's), naming the rule so people
    can look it up."""
    words = ui_words(language)
    rule = getattr(exc, "rule", None)
    plugins = getattr(exc, "plugins", ())
    if rule and plugins:
        # A plugin's refusal names the plugin, so people know whom to ask (issue 13).
        rule = f"{rule} {', '.join(plugins)}"
    message = " ".join(exc.render(words.language).split())
    if not rule:
        return message
    # The rule is an id, the same in every language, for people to look up.
    return words.gettext("%(text)s [rule: %(rule)s]", text=message, rule=rule)


def exit_for(exc: Exception) -> int:
    """Exit status for a consultkit error: 1 for rule refusals, 2 for bad input."""
    from consultkit.errors import RuleRefusedError

    return EXIT_REFUSED if isinstance(exc, RuleRefusedError) else EXIT_USAGE


@contextlib.contextmanager
def guarded(app: Consultkit) -> Iterator[Consultkit]:
    """Yield ``app``, close it afterwards, and turn consultkit errors into one-line exits."""
    from consultkit.errors import ConsultkitError

    try:
        yield app
    except ConsultkitError as exc:
        fail(refusal(exc), exit_for(exc))
    finally:
        app.close()


@click.command(
    cls=HelpCommand,
    help=N_(
        "Send a submission to a call of the consultation in CONFIG and print the "
        "receipt.\n\nKeep the tracking number: it is how you withdraw or ask about "
        "your submission.\nA refusal (call closed, group not eligible, ...) exits 1 "
        "with the reason."
    ),
)
@click.argument("config", type=click.Path(exists=True, dir_okay=False))
@click.option("--call", "call_id", required=True, help=N_("The call to answer (its id)."))
@click.option("--group", required=True, help=N_("Your stakeholder group (its id)."))
@click.option("--name", required=True, help=N_("Your name."))
@click.option("--email", required=True, help=N_("Your e-mail address: the receipt goes there."))
@click.option("--title", required=True, help=N_("The title of your submission."))
@click.option("--body", help=N_("The text of your submission."))
@click.option(
    "--body-file",
    type=click.File("r", encoding="utf-8"),
    help=N_("Read the text from FILE ('-' for standard input)."),
)
@click.option("--organisation", help=N_("The organisation you speak for, if any."))
@click.option("--country", help=N_("Your country (e.g. an ISO 3166 code)."))
@click.option(
    "--language", help=N_("The language of your text (default: the consultation's first).")
)
@click.option(
    "--tag",
    "tags",
    multiple=True,
    help=N_("A term of one of the consultation's vocabularies (e.g. C7, SDG4); repeatable."),
)
@click.option(
    "--attachment",
    "attachments",
    multiple=True,
    help=N_("A reference to an attached document; repeatable."),
)
@click.option(
    "--field",
    "field_pairs",
    multiple=True,
    metavar="KEY=VALUE",
    help=N_(
        "A value for one of the call's own fields; repeatable (a multiple choice or a"
        " person per repetition; people as JSON; a file field as @PATH, the file to send)."
    ),
)
@click.option("--consent-publish-text", is_flag=True, help=N_("Allow the text to be published."))
@click.option("--consent-publish-name", is_flag=True, help=N_("Allow your name to be published."))
@click.option(
    "--consent-publish-organisation",
    is_flag=True,
    help=N_("Allow your organisation to be published."),
)
@click.option(
    "--idempotency-key",
    help=N_(
        "Send the same key when retrying: you get the first receipt back, not a second submission."
    ),
)
@click.option(
    "--provenance",
    type=click.Choice(["web", "api", "organiser"]),
    default="api",
    show_default=True,
    help=N_("How the submission arrived."),
)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option("--store", "store_url", metavar="URL", help=STORE_HELP)
@click.pass_context
def submit(
    ctx: click.Context,
    config: str,
    call_id: str,
    group: str,
    name: str,
    email: str,
    title: str,
    body: str | None,
    body_file: TextIO | None,
    organisation: str | None,
    country: str | None,
    language: str | None,
    tags: tuple[str, ...],
    attachments: tuple[str, ...],
    field_pairs: tuple[str, ...],
    consent_publish_text: bool,
    consent_publish_name: bool,
    consent_publish_organisation: bool,
    idempotency_key: str | None,
    provenance: str,
    fmt: str,
    store_url: str | None,
) -> None:
    import json

    from consultkit.domain.fields import values_from_text
    from consultkit.domain.lifecycle import public_status
    from consultkit.domain.submission_rules import call_times
    from consultkit.domain.submissions import Consent, Provenance, Submitter
    from consultkit.formats.labels import submission_status_label
    from consultkit.i18n import deferred

    if (body is None) == (body_file is None):
        fail(
            ui_words(None).gettext(
                "give the text with exactly one of --body TEXT or --body-file FILE"
            ),
            EXIT_USAGE,
        )
    if body is not None:
        text = body
    else:
        try:
            text = body_file.read()  # type: ignore[union-attr]
        except UnicodeDecodeError as exc:
            where = getattr(body_file, "name", "--body-file")
            raise bad_parameter(
                # The codec's own reason ("invalid start byte") is English: the byte says
                # where to look.
                deferred.gettext(
                    "%(path)s is not UTF-8 text (at byte %(byte)s): save it as UTF-8 and try again",
                    path=where,
                    byte=exc.start,
                ),
                "--body-file",
            ) from None
    consultation = load_or_exit(config)
    words = ui_words(None)
    # An unknown call is refused by the application, with the calls it has.
    declared = next((c.fields for c in consultation.calls if c.id == call_id), ())
    files, other_pairs = _field_files(declared, field_pairs)
    try:
        field_values = values_from_text(declared, other_pairs)
    except ValueError as exc:
        raise bad_parameter(exc, "--field") from None
    with guarded(open_app(ctx, store_url)) as app:
        receipt = app.submit(
            consultation,
            call_id=call_id,
            submitter=Submitter(
                name=name, email=email, group=group, organisation=organisation, country=country
            ),
            title=title,
            body=text,
            language=language or consultation.default_language,
            tags=tags,
            attachments=attachments,
            consent=Consent(
                publish_text=consent_publish_text,
                publish_name=consent_publish_name,
                publish_organisation=consent_publish_organisation,
            ),
            idempotency_key=idempotency_key,
            provenance=Provenance(provenance),
            fields=field_values,
            field_files=files,
        )
        notes = call_times(consultation, consultation.call(call_id)).notes
        for note in notes:
            click.echo(words.gettext("note: %(note)s", note=note), err=True)
        if fmt == "json":
            document = {
                "tracking_number": receipt.tracking_number,
                "submission_id": receipt.submission_id,
                "consultation_id": receipt.consultation_id,
                "call_id": receipt.call_id,
                "received_at": receipt.received_at.isoformat().replace("+00:00", "Z"),
                "status": str(receipt.status),
                "public_status": public_status(receipt.status),
                "replayed": receipt.replayed,
                "notes": list(notes),
            }
            click.echo(json.dumps(document, ensure_ascii=False))
            return
        local = receipt.received_at.astimezone(_zone(consultation.zone))
        click.echo(
            words.gettext("Received (already received earlier: this is the original receipt).")
            if receipt.replayed
            else words.gettext("Received.")
        )
        received_at = f"{local:%Y-%m-%d %H:%M:%S} {consultation.zone}"
        if consultation.zone != "UTC":
            received_at += f" ({receipt.received_at:%Y-%m-%d %H:%M:%S} UTC)"
        status = submission_status_label(public_status(receipt.status), words)
        rows = [
            (words.gettext("Tracking number:"), receipt.tracking_number),
            (words.gettext("Call:"), receipt.call_id),
            (words.gettext("Received at:"), received_at),
            (words.gettext("Status:"), status),
        ]
        click.echo("\n".join(aligned(rows)))
    sys.stdout.flush()


def _field_files(
    fields: Sequence[AnyField], pairs: Sequence[str]
) -> tuple[dict[str, Upload], list[str]]:
    """The files named ``KEY=@PATH`` for the call's file fields, and the other pairs."""
    from pathlib import Path

    from consultkit.domain.attachments import Upload
    from consultkit.domain.fields import FileField

    file_keys = {f.key for f in fields if isinstance(f, FileField)}
    files: dict[str, Upload] = {}
    rest: list[str] = []
    for pair in pairs:
        key, _, text = pair.partition("=")
        key = key.strip()
        if key not in file_keys or not text.startswith("@"):
            rest.append(pair)
            continue
        path = Path(text[1:])
        if key in files:
            raise click.BadParameter(
                ui_words(None).gettext("%(key)s: given twice; this field takes one file", key=key),
                param_hint="--field",
            )
        try:
            files[key] = Upload(name=path.name, content=path.read_bytes())
        except OSError as exc:
            words = ui_words(None)
            raise click.BadParameter(
                words.gettext(
                    "%(key)s: cannot read %(path)s (%(reason)s): give the path of a file",
                    key=key,
                    path=path,
                    reason=worded(os_reason(exc), words.language),
                ),
                param_hint="--field",
            ) from None
    return files, rest


def _zone(name: str) -> dt.tzinfo:
    import zoneinfo

    return zoneinfo.ZoneInfo(name)
