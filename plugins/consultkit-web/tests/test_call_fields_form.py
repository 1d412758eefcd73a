"""The submission form built from the call's declared fields (consultkit issue 12).

Every kind is rendered with its label and help in the reader's language; a refused value
is shown beside its field and everything typed is kept; the values reach the store typed.
The JSON API's calls endpoint describes the same fields and their JSON Schema.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

import pytest
from consultkit_web import create_app
from consultkit_web.testing import filled, form_tokens
from litestar.testing import TestClient

from consultkit.app.application import Consultkit
from consultkit.config.loader import loads_consultation
from consultkit.domain.clock import FixedClock, parse_instant

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from litestar import Litestar

EVERY_KIND = """\
id = "kinds"
zone = "Europe/Zurich"
languages = ["es", "en"]
title = { es = "Todas las clases", en = "Every kind" }

[[groups]]
id = "civil-society"
name = { es = "Sociedad civil", en = "Civil society" }

[[vocabularies]]
id = "themes"
label = { es = "Temas", en = "Themes" }
terms = [
  { id = "water", label = { es = "Agua", en = "Water" } },
  { id = "energy", label = { es = "Energía", en = "Energy" } },
]

[[calls]]
id = "ideas"
kind = "contribution"
title = { es = "Ideas", en = "Ideas" }
opens_at = 2020-01-01T00:00:00
deadline = { kind = "deadline", day = 2020-12-31 }

[[calls.fields]]
key = "summary"
kind = "text"
label = { es = "Resumen", en = "Summary" }
help = { es = "Cien palabras como máximo.", en = "At most a hundred words." }
required = true
max_words = 100

[[calls.fields]]
key = "format"
kind = "choice"
label = { es = "Formato", en = "Format" }
required = true
options = [
  { value = "panel", label = { es = "Panel", en = "Panel" } },
  { value = "talk", label = { es = "Charla", en = "Talk" } },
]

[[calls.fields]]
key = "themes"
kind = "multiple-choice"
label = { es = "Temas tratados", en = "Themes covered" }
vocabulary = "themes"

[[calls.fields]]
key = "online"
kind = "yes-no"
label = { es = "¿En línea?", en = "Online?" }

[[calls.fields]]
key = "seats"
kind = "number"
label = { es = "Plazas", en = "Seats" }
integer = true
minimum = 1
maximum = 500

[[calls.fields]]
key = "day"
kind = "date"
label = { es = "Día preferido", en = "Preferred day" }
minimum = 2020-03-30
maximum = 2020-04-03

[[calls.fields]]
key = "link"
kind = "url"
label = { es = "Enlace", en = "Link" }

[[calls.fields]]
key = "contact"
kind = "email"
label = { es = "Correo de contacto", en = "Contact e-mail" }

[[calls.fields]]
key = "country"
kind = "country"
label = { es = "País", en = "Country" }

[[calls.fields]]
key = "region"
kind = "un-region"
label = { es = "Región", en = "Region" }

[[calls.fields]]
key = "speakers"
kind = "people"
label = { es = "Oradores", en = "Speakers" }
public = true
max_people = 2

[[calls.fields]]
key = "slides"
kind = "file"
label = { es = "Diapositivas", en = "Slides" }
types = ["pdf"]
"""
FORM = "/kinds/calls/ideas/submit"
ES = {"accept-language": "es-ES,es;q=0.9"}


@pytest.fixture
def application(tmp_path: Path) -> Iterator[Consultkit]:
    app = Consultkit.open(
        "memory://",
        clock=FixedClock(parse_instant("2020-02-01T10:00:00Z")),
        attachments_dir=tmp_path / "files",
    )
    yield app
    app.close()


@pytest.fixture
def kinds_client(application: Consultkit) -> Iterator[TestClient[Litestar]]:
    consultation = loads_consultation(EVERY_KIND, file="kinds.toml")
    web = create_app(application, [consultation], secret="test-secret")
    with TestClient(app=web) as client:
        yield client


def answers(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "field.summary": "Un resumen breve.",
        "field.format": "talk",
        "field.themes": ["water", "energy"],
        "field.online": "yes",
        "field.seats": "40",
        "field.day": "2020-03-31",
        "field.link": "https://example.org/idea",
        "field.contact": "equipo@example.org",
        "field.country": "KE",
        "field.region": "002",
        "field.speakers.0.name": "Wanjiru",
        "field.speakers.0.country": "KE",
        "field.speakers.0.consent": "yes",
    }
    values.update(overrides)
    return filled(tags="WATER", **values)


def test_every_kind_is_rendered_labelled_in_the_readers_language(
    kinds_client: TestClient[Litestar],
) -> None:
    html = kinds_client.get(FORM, headers=ES).text
    assert '<label for="f-summary">Resumen <span class="req">' in html
    assert '<p class="hint" id="f-summary-hint">Cien palabras como máximo.</p>' in html
    assert 'aria-describedby="f-summary-hint"' in html
    assert "<legend>Formato" in html and 'type="radio" id="f-format-1"' in html
    assert 'type="checkbox" id="f-themes-1" name="field.themes" value="water"' in html
    assert '<label for="f-themes-2">Energía</label>' in html  # the vocabulary's own label
    assert 'id="f-online-yes"' in html and ">Sí</label>" in html
    assert 'type="number"' in html and 'min="1"' in html and 'step="1"' in html
    assert 'type="date"' in html and 'min="2020-03-30"' in html and 'max="2020-04-03"' in html
    assert 'type="url"' in html and 'type="email" value="" autocomplete="off"' in html
    assert '<option value="KE">Kenia</option>' in html  # CLDR names in Spanish
    assert '<option value="002">África</option>' in html
    assert "<legend>Persona 2</legend>" in html and "Persona 3" not in html  # max_people = 2
    assert 'enctype="multipart/form-data"' in html
    assert '<input id="f-slides" name="field.slides" type="file" accept=".pdf"' in html
    assert "Un archivo con la terminación pdf, de 10 MB como máximo." in html
    assert "Temas (water … energy)" in html  # the tags hint names the vocabulary


def test_typed_values_reach_the_store(
    kinds_client: TestClient[Litestar], application: Consultkit
) -> None:
    tokens = form_tokens(kinds_client.get(FORM).text)
    response = kinds_client.post(FORM, data=answers() | tokens, follow_redirects=False)
    assert response.status_code == 303, response.text
    consultation = kinds_client.app.state["site"].consultations["kinds"]
    [stored] = application.list_submissions(consultation)
    assert stored.tags == ("water",)
    assert stored.fields == {
        "summary": "Un resumen breve.",
        "format": "talk",
        "themes": ["water", "energy"],
        "online": True,
        "seats": 40,
        "day": "2020-03-31",
        "link": "https://example.org/idea",
        "contact": "equipo@example.org",
        "country": "KE",
        "region": "002",
        "speakers": [{"name": "Wanjiru", "country": "KE", "consent_publish": True}],
    }


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"field.day": "2020-04-09"}, "day", "es posterior a la última fecha permitida"),
        # Issue 11: a value the form cannot read is refused in the page's language too.
        ({"field.seats": "many"}, "seats", "'many' no es un número"),
        ({"field.format": ""}, "format", "es obligatorio"),
        ({"field.themes": ["water", "fire"]}, "themes", "vocabulario 'themes'"),
        ({"field.country": "XX"}, "country", "'XX' no es un código de país ISO 3166-1 alfa-2"),
        ({"field.region": "999"}, "region", "'999' no es un código de región M49"),
        (
            {"field.speakers.0.email": "wanjiru"},
            "speakers",
            "persona 1: 'wanjiru' no es una dirección de correo electrónico",
        ),
    ],
)
def test_a_refused_value_is_shown_beside_its_field_and_everything_is_kept(
    kinds_client: TestClient[Litestar],
    application: Consultkit,
    change: dict[str, Any],
    field: str,
    words: str,
) -> None:
    tokens = form_tokens(kinds_client.get(FORM, headers=ES).text)
    response = kinds_client.post(FORM, data=answers(**change) | tokens, headers=ES)
    assert response.status_code == 422
    html = response.text
    assert f'<p class="error" id="f-{field}-error"><strong>Esta respuesta no se acepta.' in html
    assert words in html.replace("&#39;", "'")
    assert (
        f'aria-describedby="f-{field}-error"' in html or f"f-{field}-hint f-{field}-error" in html
    )
    assert 'aria-invalid="true"' in html
    # What was typed is still there, every kind.
    assert "Un resumen breve.</textarea>" in html
    assert 'value="water" checked' in html
    assert 'id="f-online-yes" name="field.online" value="yes" checked' in html
    assert 'value="https://example.org/idea"' in html
    assert '<option value="KE" selected>' in html
    assert 'name="field.speakers.0.name" autocomplete="off" value="Wanjiru"' in html
    assert 'name="field.speakers.0.consent" value="yes" checked' in html
    consultation = kinds_client.app.state["site"].consultations["kinds"]
    assert list(application.list_submissions(consultation)) == []


def test_a_yes_no_answer_that_is_neither_is_refused_in_the_pages_language(
    kinds_client: TestClient[Litestar],
) -> None:
    tokens = form_tokens(kinds_client.get(FORM, headers=ES).text)
    response = kinds_client.post(
        FORM, data=answers(**{"field.online": "maybe"}) | tokens, headers=ES
    )
    assert response.status_code == 422
    assert "campo 'online': responda sí o no" in response.text.replace("&#39;", "'")


def test_the_api_describes_the_fields_and_takes_their_values(
    kinds_client: TestClient[Litestar], application: Consultkit
) -> None:
    [call] = kinds_client.get("/api/consultations/kinds/calls?lang=en").json()
    own = {f["key"]: f for f in call["own_fields"]}
    assert own["themes"]["vocabulary"] == "themes"
    assert own["themes"]["options"] == [
        {"value": "water", "label": "Water"},
        {"value": "energy", "label": "Energy"},
    ]
    assert own["day"]["limits"] == {"min": "2020-03-30", "max": "2020-04-03"}
    assert call["fields_schema"]["required"] == ["summary", "format"]
    body = {
        "group": "civil-society",
        "name": "Ana",
        "email": "ana@example.org",
        "title": "T",
        "body": "B",
        "fields": {"summary": "S", "format": "panel", "seats": 3},
    }
    created = kinds_client.post("/api/consultations/kinds/calls/ideas/submissions", json=body)
    assert created.status_code == 201, created.text
    refused = kinds_client.post(
        "/api/consultations/kinds/calls/ideas/submissions",
        json=body | {"fields": {"summary": "S", "format": "lecture"}},
    )
    assert refused.status_code == 422 and refused.json()["rule"] == "field"


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_a_file_fields_file_is_sent_with_the_form_and_kept(
    kinds_client: TestClient[Litestar], application: Consultkit
) -> None:
    tokens = form_tokens(kinds_client.get(FORM).text)
    response = kinds_client.post(
        FORM,
        data=answers() | tokens,
        files=[("field.slides", ("deck.pdf", PDF, "application/pdf"))],
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    consultation = kinds_client.app.state["site"].consultations["kinds"]
    [stored] = application.list_submissions(consultation)
    slides = stored.fields["slides"]
    assert slides["name"] == "deck.pdf" and slides["media_type"] == "application/pdf"
    assert application.attachment_files.read(slides["attachment"]) == PDF


def test_a_refused_file_is_shown_beside_its_field_and_the_rest_is_kept(
    kinds_client: TestClient[Litestar], application: Consultkit
) -> None:
    tokens = form_tokens(kinds_client.get(FORM, headers=ES).text)
    response = kinds_client.post(
        FORM,
        data=answers() | tokens,
        files=[("field.slides", ("deck.pdf", b"<html>not a pdf</html>", "application/pdf"))],
        headers=ES,
    )
    assert response.status_code == 422
    html = response.text.replace("&#39;", "'")
    assert '<p class="error" id="f-slides-error"><strong>Esta respuesta no se acepta.' in html
    assert "el archivo 'deck' no es un archivo .pdf (según su contenido" in html
    assert "f-slides-note f-slides-error" in html and 'aria-invalid="true"' in html
    assert "Un resumen breve.</textarea>" in html
    assert not application.attachment_files.root.exists() or not any(
        application.attachment_files.root.iterdir()
    )


def test_the_api_takes_a_file_fields_file_in_base64(
    kinds_client: TestClient[Litestar], application: Consultkit
) -> None:
    body = {
        "group": "civil-society",
        "name": "Ana",
        "email": "ana@example.org",
        "title": "T",
        "body": "B",
        "fields": {"summary": "S", "format": "panel"},
        "field_files": {
            "slides": {"name": "deck.pdf", "content_base64": base64.b64encode(PDF).decode()}
        },
    }
    url = "/api/consultations/kinds/calls/ideas/submissions"
    created = kinds_client.post(url, json=body)
    assert created.status_code == 201, created.text
    described = body | {
        "field_files": {},
        "fields": body["fields"] | {"slides": {"name": "d.pdf", "size": 9}},
    }
    refused = kinds_client.post(url, json=described)
    assert refused.status_code == 422 and refused.json()["rule"] == "field"
    assert "send the file itself" in refused.text
    # The API's detail follows Accept-Language (issue 11).
    french = kinds_client.post(url, json=described, headers={"Accept-Language": "fr"})
    assert "envoyez le fichier lui-même" in french.json()["detail"]
    misplaced = body | {"field_files": {"format": body["field_files"]["slides"]}}
    arabic = kinds_client.post(url, json=misplaced, headers={"Accept-Language": "ar"})
    assert arabic.status_code == 422
    assert (
        "أُرسل ملف ولكنه ليس حقل ملف في هذه الدعوة (حقول الملفات: slides)" in arabic.json()["detail"]
    )
    too_many = body | {"field_files": {}, "tags": ["fire"]}
    untagged = kinds_client.post(url, json=too_many, headers={"Accept-Language": "es"})
    assert untagged.json()["rule"] == "tag"
    assert (
        "etiqueta desconocida 'fire': utilice un término del vocabulario"
        in untagged.json()["detail"]
    )


@pytest.mark.parametrize("language", ["ar", "zh", "fr", "ru", "es"])
def test_every_un_region_option_is_named_in_the_readers_language(language: str) -> None:
    from consultkit_web.fields import field_views

    from consultkit.domain.fields import UN_REGIONS
    from consultkit.formats.labels import region_label
    from consultkit.i18n import messages

    consultation = loads_consultation(EVERY_KIND)
    (call,) = consultation.calls
    (view,) = [v for v in field_views(call, consultation, language) if v["kind"] == "un-region"]
    labels = {o["value"]: o["label"] for o in view["options"]}
    assert set(labels) == set(UN_REGIONS)
    # One naming for every place regions are shown (consultkit.formats.labels).
    assert labels == {code: region_label(code, messages(language)) for code in UN_REGIONS}
    assert labels["830"] != "Channel Islands"  # not in CLDR: from consultkit's catalogue
