"""The compilation report and the data package beside it (issue 12).

The report is rebuilt byte for byte from the same data; every figure lists the ids it
counts; campaigns are never dropped; themes come from the consultation's vocabularies;
plugins add machine-made sections through ``analyse_submissions``, and a failing one
does not stop the report.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import TYPE_CHECKING

import jsonschema
import pytest
from babel import Locale
from click.testing import CliRunner

from consultkit import hookimpl
from consultkit.app.application import Consultkit
from consultkit.cli import cli
from consultkit.config.loader import load_consultation
from consultkit.domain.clock import FixedClock
from consultkit.domain.fields import COUNTRY_CODES, UN_REGIONS
from consultkit.domain.regions import NO_REGION, REGION_OF_COUNTRY, region_of
from consultkit.domain.submissions import Consent, Submission, SubmissionStatus, Submitter
from consultkit.formats.data_package import data_package
from consultkit.formats.labels import region_label
from consultkit.formats.report import Analysis, figures
from consultkit.formats.report_render import machine_made, render_report
from consultkit.formats.submission_export import declared_fields, export_submissions
from consultkit.i18n import LANGUAGES, messages
from consultkit.pluginhost.host import PluginHost

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from consultkit.domain.model import Consultation

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "wsis2020" / "consultation.toml"
DURING = dt.datetime(2019, 12, 2, 10, 0, tzinfo=dt.UTC)
CAMPAIGN = "Keep the WSIS Forum open to every stakeholder, in Geneva and online, every year."


@pytest.fixture(scope="module")
def wsis() -> Consultation:
    return load_consultation(EXAMPLE)


def person(n: int, group: str = "civil-society", country: str | None = "ES") -> Submitter:
    return Submitter(name=f"P{n}", email=f"p{n}@example.org", group=group, country=country)


def fill(app: Consultkit, wsis: Consultation) -> list[str]:
    """Eight submissions: a campaign of three, tags, a workshop request with fields."""
    ids = []
    everyone = Consent(publish_text=True, publish_name=True)
    for n, (group, country, body, tags) in enumerate(
        [
            ("civil-society", "ES", CAMPAIGN, ["C7"]),
            ("governments", "KE", CAMPAIGN, ["C7", "SDG4"]),
            ("governments", "BR", CAMPAIGN + " ", []),
            ("private-sector", "JP", "Broadband for rural schools.", ["SDG4"]),
            ("civil-society", None, "An idea without a country.", []),
            ("civil-society", "CH", "Hold more sessions in French.", ["C1"]),
        ]
    ):
        receipt = app.submit(
            wsis,
            call_id="official-submissions",
            submitter=person(n, group, country),
            title=f"Title {n}",
            body=body,
            tags=tags,
            consent=everyone,
        )
        ids.append(receipt.submission_id)
    receipt = app.submit(
        wsis,
        call_id="workshop-requests",
        submitter=person(9, "academia-technical", "AU"),
        title="A workshop",
        body="Open data for the SDGs.",
        consent=everyone,
        fields={
            "organisers": [{"name": "Ana", "consent_publish": True}],
            "format": "panel",
            "action_lines": ["C7"],
            "sdgs": ["SDG9"],
        },
    )
    ids.append(receipt.submission_id)
    for index, decision in ((1, SubmissionStatus.ACCEPTED), (3, SubmissionStatus.REJECTED)):
        app.review(wsis, ids[index], decision=SubmissionStatus.UNDER_REVIEW, organiser="Org")
        app.review(wsis, ids[index], decision=decision, organiser="Org", reason="Read.")
    app.review(wsis, ids[6], decision=SubmissionStatus.UNDER_REVIEW, organiser="Org")
    app.review(wsis, ids[6], decision=SubmissionStatus.ACCEPTED, organiser="Org")
    return ids


@pytest.fixture(params=["memory", "sqlite"])
def app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Consultkit]:
    url = "memory://" if request.param == "memory" else f"sqlite:///{tmp_path / 'ck.sqlite'}"
    with Consultkit.open(url, clock=FixedClock(DURING), entry_points=False) as application:
        yield application


def with_plugins(tmp_path: Path, *plugins: object) -> Consultkit:
    host = PluginHost.load(entry_points=False, strict=True, disabled=(), plugins=list(plugins))
    return Consultkit(
        host=host,
        store=host.open_store(f"sqlite:///{tmp_path / 'p.sqlite'}"),
        clock=FixedClock(DURING),
    )


def test_every_figure_lists_the_submissions_it_counts(app: Consultkit, wsis: Consultation) -> None:
    ids = fill(app, wsis)
    document = app.report(wsis, language="en")
    assert document["total"] == 7
    numbers = [f["figure"] for f in figures(document)]
    assert numbers == [f"F{i}" for i in range(1, len(numbers) + 1)]  # document order
    for figure in figures(document):
        assert figure["count"] == len(figure["ids"]) and set(figure["ids"]) <= set(ids)
        assert figure["ids"] == sorted(figure["ids"])
    cells = document["cells"]
    assert sum(c["count"] for c in cells) == 7
    assert document["dimensions"] == ["call", "group", "region", "verification"]
    assert {c["verification"] for c in cells} == {"none"}  # nothing in fill() asks to confirm
    kenya = next(c for c in cells if c["group"] == "governments" and c["region"] == "002")
    assert kenya["ids"] == [ids[1]]
    nowhere = [c for c in cells if c["region"] == "(not stated)"]
    assert [c["ids"] for c in nowhere] == [[ids[4]]]
    # Who did not answer is shown too: every call, group and region of the model, zeros
    # included.
    assert [c["id"] for c in document["calls"]] == [c.id for c in wsis.calls]
    assert document["calls"][2]["count"] == 0 and document["calls"][2]["ids"] == []
    groups = {v["key"]: v["count"] for v in document["margins"][1]["values"]}
    assert groups["international-organisations"] == 0 and list(groups)[:5] == [
        g.id for g in wsis.groups
    ]
    regions = [v["key"] for v in document["margins"][2]["values"]]
    assert regions == ["002", "019", "142", "150", "009", "(not stated)"]
    official = document["calls"][0]
    assert official["id"] == "official-submissions" and official["count"] == 6
    outcomes = {o["status"]: o["ids"] for o in official["outcomes"]}
    assert outcomes == {
        "submitted": sorted([ids[0], ids[2], ids[4], ids[5]]),
        "accepted": [ids[1]],
        "rejected": [ids[3]],
    }


def test_campaigns_keep_their_text_and_every_copy(app: Consultkit, wsis: Consultation) -> None:
    ids = fill(app, wsis)
    [campaign] = app.report(wsis)["campaigns"]
    assert campaign["count"] == 3 and campaign["ids"] == sorted(ids[:3])
    assert campaign["text"].strip() == CAMPAIGN and campaign["exact"] is True


def test_themes_come_from_the_vocabularies_tags_and_fields(
    app: Consultkit, wsis: Consultation
) -> None:
    ids = fill(app, wsis)
    themes = {v["vocabulary"]: v for v in app.report(wsis, language="es")["themes"]}
    assert list(themes) == ["wsis-action-lines", "sdgs"]
    lines = {t["id"]: t for t in themes["wsis-action-lines"]["terms"]}
    # C7: two tagged submissions and the workshop request's action_lines field.
    assert lines["C7"]["ids"] == sorted([ids[0], ids[1], ids[6]])
    assert lines["C7"]["label"] == "Línea de Acción C7"
    sdgs = {t["id"]: t for t in themes["sdgs"]["terms"]}
    assert sdgs["SDG9"]["ids"] == [ids[6]] and sdgs["SDG4"]["count"] == 2
    assert sdgs["SDG17"]["count"] == 0  # zeros are shown: who was not heard matters


def test_the_same_data_gives_the_same_bytes_in_every_format(
    app: Consultkit, wsis: Consultation
) -> None:
    fill(app, wsis)
    for fmt in ("json", "md", "html"):
        first = render_report(app.report(wsis), fmt)
        again = render_report(app.report(wsis), fmt)
        assert first == again, fmt
    document = json.loads(render_report(app.report(wsis), "json"))
    assert document == app.report(wsis)


def test_markdown_and_html_link_every_count_to_the_appendix(
    app: Consultkit, wsis: Consultation
) -> None:
    ids = fill(app, wsis)
    document = app.report(wsis)
    md = render_report(document, "md").decode()
    html = render_report(document, "html").decode()
    for figure in figures(document):
        anchor = figure["figure"].lower()
        assert f"](#{anchor})" in md and f'<a id="{anchor}"></a>' in md
        assert f'href="#{anchor}"' in html and f'<dt id="{anchor}">' in html
    for submission_id in ids:
        assert f'<a id="s-{submission_id}"></a>' in md and f'<tr id="s-{submission_id}">' in html


def test_submitters_words_are_escaped(app: Consultkit, wsis: Consultation) -> None:
    app.submit(
        wsis,
        call_id="official-submissions",
        submitter=person(1),
        title="<script>alert(1)</script> [x](javascript:alert(1)) | cell",
        body="text",
    )
    document = app.report(wsis)
    html = render_report(document, "html").decode()
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    md = render_report(document, "md").decode()
    assert "<script>" not in md and "\\[x\\]\\(javascript" in md and "\\| cell" in md


class Summary:
    @hookimpl
    def analyse_submissions(
        self, consultation: Consultation, submissions: Sequence[Submission], language: str
    ) -> Analysis:
        return Analysis(
            title="Summary",
            paragraphs=(f"{len(submissions)} submissions in {consultation.id} ({language}).",),
            cites=tuple(s.id for s in submissions[:2]),
            method="counting, no model",
        )


class Broken:
    @hookimpl
    def analyse_submissions(self, submissions: Sequence[Submission]) -> Analysis:
        raise RuntimeError("the model is down")


class Inventive:
    @hookimpl
    def analyse_submissions(self, submissions: Sequence[Submission]) -> Analysis:
        return Analysis(title="Made up", paragraphs=("…",), cites=("no-such-id",))


def test_analyse_submissions_adds_a_machine_made_section_citing_ids(
    tmp_path: Path, wsis: Consultation
) -> None:
    app = with_plugins(tmp_path, Summary())
    ids = fill(app, wsis)
    [section] = app.report(wsis)["analyses"]
    assert section["machine_made"] is True and section["plugin"].startswith("Summary")
    assert len(section["cites"]) == 2 and set(section["cites"]) <= set(ids)
    # The report speaks the consultation's first language (Spanish), the warning too.
    warning = machine_made(messages(wsis.default_language))
    assert warning.startswith("Generado por máquina")
    md = render_report(app.report(wsis), "md").decode()
    assert warning in md and "## Análisis generados por máquina" in md
    english = render_report(app.report(wsis, language="en"), "md").decode()
    assert machine_made(messages("en")) in english and "## Machine-made analyses" in english
    html = render_report(app.report(wsis), "html").decode()
    assert warning in html and f'href="#s-{section["cites"][0]}"' in html
    app.close()


def test_a_failing_or_inventive_analysis_is_named_and_the_report_still_built(
    tmp_path: Path, wsis: Consultation
) -> None:
    app = with_plugins(tmp_path, Broken(), Inventive(), Summary())
    fill(app, wsis)
    document = app.report(wsis)
    assert [s["title"] for s in document["analyses"]] == ["Summary"]
    warnings = document["warnings"]
    assert any("Broken" in w and "the model is down" in w for w in warnings), warnings
    assert any("'Made up'" in w and "no-such-id" in w for w in warnings), warnings
    assert document["total"] == 7
    app.close()


def test_every_country_has_a_un_region() -> None:
    assert set(REGION_OF_COUNTRY) | NO_REGION == set(COUNTRY_CODES)
    assert region_of("ch") == "150" and region_of("TR") == "142" and region_of("MX") == "019"
    assert region_of("AQ") is None and region_of(None) is None and region_of("Suiza") is None


# --------------------------------------------------------------------------- data package

PACKAGE_SCHEMA = {
    # The required shape of a Data Package descriptor (v1 spec): a name, resources each
    # with a name and a path, and for the tabular one a Table Schema.
    "type": "object",
    "required": ["name", "resources", "profile"],
    "properties": {
        "name": {"type": "string", "pattern": "^[a-z0-9._-]+$"},
        "licenses": {
            "type": "array",
            "items": {"type": "object", "anyOf": [{"required": ["name"]}, {"required": ["path"]}]},
        },
        "resources": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["name", "path"],
                "properties": {
                    "name": {"type": "string", "pattern": "^[a-z0-9._-]+$"},
                    "path": {"type": "string", "pattern": "^[^/][^:]*$"},
                    "schema": {
                        "type": "object",
                        "required": ["fields"],
                        "properties": {
                            "fields": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "required": ["name", "type"],
                                    "properties": {
                                        "type": {
                                            "enum": [
                                                "string",
                                                "number",
                                                "integer",
                                                "boolean",
                                                "date",
                                                "datetime",
                                            ]
                                        }
                                    },
                                },
                            }
                        },
                    },
                },
            },
        },
    },
}


def test_the_data_package_holds_exactly_the_public_export(
    app: Consultkit, wsis: Consultation
) -> None:
    fill(app, wsis)
    files = app.data_package(wsis)
    assert sorted(files) == sorted(
        ["datapackage.json", "submissions.csv", "submissions.schema.json", "datacard.md"]
    )
    out = io.StringIO(newline="")
    export_submissions(
        out,
        app.list_submissions(wsis),
        format="csv",
        public=True,
        fields=declared_fields(wsis),
    )
    assert files["submissions.csv"] == out.getvalue().encode("utf-8")
    rows = list(csv.DictReader(io.StringIO(files["submissions.csv"].decode())))
    assert len(rows) == 2  # the accepted ones only
    descriptor = json.loads(files["datapackage.json"])
    jsonschema.validate(descriptor, PACKAGE_SCHEMA)
    [table] = [r for r in descriptor["resources"] if r["name"] == "submissions"]
    assert [f["name"] for f in table["schema"]["fields"]] == list(rows[0])
    assert descriptor["licenses"] == []  # the WSIS letter states no licence
    card = files["datacard.md"].decode()
    assert "Licencia: no indicada" in card and "consentimiento" in card  # in Spanish
    assert "| `official-submissions` | 2019-06-04T" in card  # collection dates


def test_the_json_schema_accepts_every_public_row(app: Consultkit, wsis: Consultation) -> None:
    fill(app, wsis)
    schema = json.loads(app.data_package(wsis)["submissions.schema.json"])
    jsonschema.Draft202012Validator.check_schema(schema)
    out = io.StringIO()
    export_submissions(
        out, app.list_submissions(wsis), format="jsonl", public=True, fields=declared_fields(wsis)
    )
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert rows and any("field.organisers" in r for r in rows)
    for row in rows:
        jsonschema.validate(row, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**rows[0], "submitter_email": "x@example.org"}, schema)


def test_a_stated_licence_is_in_the_descriptor(wsis: Consultation) -> None:
    import attrs

    licensed = attrs.evolve(wsis, licence="CC-BY-4.0")
    descriptor = json.loads(data_package(licensed, [])["datapackage.json"])
    assert descriptor["licenses"] == [
        {"name": "CC-BY-4.0", "path": "https://spdx.org/licenses/CC-BY-4.0.html"}
    ]
    card = data_package(licensed, [], language="en")["datacard.md"].decode()
    assert "Licence: CC-BY-4.0" in card


# --------------------------------------------------------------------------- command line


def test_the_report_command_writes_report_and_package(tmp_path: Path, wsis: Consultation) -> None:
    store = f"sqlite:///{tmp_path / 'ck.sqlite'}"
    with Consultkit.open(store, clock=FixedClock(DURING), entry_points=False) as application:
        fill(application, wsis)
    runner = CliRunner()
    args = ["report", str(EXAMPLE), "--store", store, "--format", "json", "--lang", "en"]
    first = runner.invoke(cli, args)
    assert first.exit_code == 0, first.output
    again = runner.invoke(cli, args)
    assert first.stdout_bytes == again.stdout_bytes
    assert json.loads(first.stdout)["total"] == 7
    package = tmp_path / "package"
    report = tmp_path / "report.html"
    done = runner.invoke(
        cli,
        [
            "report",
            str(EXAMPLE),
            "--store",
            store,
            "-o",
            str(report),
            "--format",
            "html",
            "--data-package",
            str(package),
        ],
    )
    assert done.exit_code == 0, done.output
    assert report.read_text().startswith("<!DOCTYPE html>")
    assert (report.stat().st_mode & 0o777) == 0o600
    assert json.loads((package / "datapackage.json").read_text())["name"] == "wsis-forum-2020-ocp"
    bad = runner.invoke(cli, ["report", str(EXAMPLE), "--store", store, "--lang", "de"])
    assert bad.exit_code == 2 and "'de' is not one of" in bad.output


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_un_region_and_sub_region_has_a_name_in_every_language(language: str) -> None:
    names = {code: region_label(code, messages(language)) for code in UN_REGIONS}
    assert [code for code, name in names.items() if name == code or not name] == []
    # CLDR's names (babel), as the country names are; the Channel Islands from the catalogue.
    assert names["150"] == Locale.parse(language).territories["150"]
    if language != "en":
        assert names["830"] != "Channel Islands"
