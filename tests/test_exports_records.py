"""The export's fast path (issue 14): the store streams flat records, and the file written
from them is byte for byte the file written from full submission objects, in every case.

Submissions are generated with declared fields (public and not, people with and without
their consent, e-mail, free text, files), erased and withdrawn submitters, holds,
verification levels, languages and would-be formulas; both views, CSV (with and without
the byte order mark) and JSON Lines.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import TYPE_CHECKING, Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consultkit.domain.campaigns import fingerprint
from consultkit.domain.fields import (
    ChoiceField,
    EmailField,
    FileField,
    MultipleChoiceField,
    NumberField,
    Option,
    PeopleField,
    TextField,
)
from consultkit.domain.submissions import (
    Consent,
    Provenance,
    Submission,
    SubmissionStatus,
    Submitter,
    Verification,
)
from consultkit.domain.text import Text
from consultkit.formats.submission_export import export_records, export_submissions
from consultkit.pluginhost.host import PluginHost

if TYPE_CHECKING:
    from consultkit.domain.fields import AnyField

T0 = dt.datetime(2019, 7, 1, 10, tzinfo=dt.UTC)
LABEL = Text({"en": "Label"})
OPTIONS = (Option(value="a", label=LABEL), Option(value="=b", label=LABEL))
FIELDS: tuple[AnyField, ...] = (
    TextField(key="motivation", label=LABEL, public=True),
    TextField(key="private_note", label=LABEL),
    ChoiceField(key="format", label=LABEL, public=True, options=OPTIONS),
    MultipleChoiceField(key="lines", label=LABEL, public=True, options=OPTIONS),
    PeopleField(key="speakers", label=LABEL, public=True),
    EmailField(key="contact", label=LABEL, public=True),
    NumberField(key="seats", label=LABEL, public=True),
    FileField(key="paper", label=LABEL, public=True),
)

# Text that exercises neutralising, quoting, addresses inside text and other scripts.
PIECES = [*"ab =+-@\t\r\n\",;'é中ع", "x@y.org", " (at) ", "%40"]
cells = st.lists(st.sampled_from(PIECES), max_size=8).map("".join)
people = st.lists(
    st.fixed_dictionaries(
        {"name": cells, "consent_publish": st.booleans()},
        optional={"organisation": st.one_of(st.none(), cells), "email": cells},
    ),
    max_size=3,
)
field_values = st.fixed_dictionaries(
    {},
    optional={
        "motivation": cells,
        "private_note": cells,
        "format": st.sampled_from(["a", "=b"]),
        "lines": st.lists(st.sampled_from(["a", "=b"]), max_size=2),
        "speakers": people,
        "contact": cells,
        "seats": st.integers(0, 500),
        "paper": st.fixed_dictionaries({"name": cells, "sha256": st.just("0" * 64)}),
    },
)


@st.composite
def submissions(draw: st.DrawFn, n: int) -> Submission:
    body = draw(st.one_of(st.none(), cells))
    seconds, micros = draw(st.integers(0, 3)), draw(st.sampled_from([0, 7, 500_000]))
    received = T0 + dt.timedelta(seconds=seconds, microseconds=micros)
    erased = draw(st.booleans())
    return Submission(
        id=f"{n:04d}-{draw(cells)}",
        tracking_number=draw(st.sampled_from(["CK-1", "=CK", "-2"])) + f"-{n}",
        consultation_id="c",
        call_id=draw(st.sampled_from(["official-submissions", "=call"])),
        submitter=None
        if erased
        else Submitter(
            name=draw(cells),
            email=draw(cells),
            group=draw(st.sampled_from(["civil-society", "+group"])),
            organisation=draw(st.one_of(st.none(), cells)),
            country=draw(st.one_of(st.none(), st.just("CH"))),
        ),
        title=draw(cells),
        body=body,
        language=draw(st.sampled_from(["en", "ar", "zh", "ru"])),
        tags=draw(st.lists(cells, max_size=3)),
        attachments=draw(st.lists(cells, max_size=2)),
        consent=Consent(
            publish_text=draw(st.booleans()),
            publish_name=draw(st.booleans()),
            publish_organisation=draw(st.booleans()),
        ),
        provenance=draw(st.sampled_from(Provenance)),
        status=draw(st.sampled_from(SubmissionStatus)),
        received_at=received,
        updated_at=received + dt.timedelta(minutes=draw(st.integers(0, 1))),
        fingerprint=fingerprint(body or ""),
        idempotency_key=draw(st.one_of(st.none(), cells)),
        erased_at=T0 + dt.timedelta(days=1) if erased else None,
        fields=draw(field_values),
        verification=draw(st.sampled_from(Verification)),
        held=draw(st.one_of(st.none(), cells)),
    )


def _encoded(write: Any, fmt: str, bom: bool) -> bytes:
    out = io.StringIO(newline="")
    write(out)
    text = out.getvalue()
    return (("\ufeff" if bom and fmt == "csv" else "") + text).encode("utf-8")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    drawn=st.integers(0, 8).flatmap(lambda k: st.tuples(*(submissions(n) for n in range(k)))),
    public=st.booleans(),
    fmt=st.sampled_from(["csv", "jsonl"]),
    bom=st.booleans(),
)
def test_the_store_records_export_as_the_submissions_do(
    drawn: tuple[Submission, ...], public: bool, fmt: Any, bom: bool
) -> None:
    store = PluginHost.load(entry_points=False).open_store("memory://")
    try:
        store.add_submissions(drawn)
        status = SubmissionStatus.ACCEPTED if public else None
        fast = _encoded(
            lambda out: export_records(
                out,
                store.submission_records("c", status=status),
                format=fmt,
                public=public,
                fields=FIELDS,
            ),
            fmt,
            bom,
        )
        old = _encoded(
            lambda out: export_submissions(
                out, store.list_submissions("c"), format=fmt, public=public, fields=FIELDS
            ),
            fmt,
            bom,
        )
        assert fast == old
    finally:
        store.close()
