"""The stakeholder journey in a real browser, in Spanish, with axe-core's WCAG 2.2 AA rules.

Playwright drives the machine's Chromium (Debian's ``chromium`` package at
/usr/bin/chromium, through ``executable_path``: no browser is downloaded). axe-core comes
from the npm registry (``npm pack``) into the session's temporary folder. Without Chromium
or npm these tests are skipped, except under ``CI=true``, where they fail.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from consultkit_web.testing import serving

from consultkit.testing import accessibility
from consultkit.testing.accessibility import check_page

if TYPE_CHECKING:
    from playwright.sync_api import Browser

WSIS = Path(__file__).resolve().parents[3] / "examples" / "wsis2020" / "consultation.toml"
CID = "wsis-forum-2020-ocp"
# The pytest fixtures axe_source and browser, shared with consultkit's own browser tests.
axe_source = accessibility.axe_source
browser = accessibility.browser


def test_spanish_stakeholder_journey(
    browser: Browser, axe_source: str, server: tuple[str, str], tmp_path: Path
) -> None:
    base, store = server
    shots = tmp_path / "screenshots"
    shots.mkdir()
    context = browser.new_context(locale="es-ES")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    # The consultation page, in Spanish from Accept-Language, with its deadline and feeds.
    page.goto(base + "/")
    assert page.locator("html").get_attribute("lang") == "es"
    assert "fin del 3 de febrero de 2020" in page.content()
    check_page(page, axe_source, shots, "consultation")
    ics = page.get_by_role("link", name="Descargar el archivo .ics").get_attribute("href")
    feed = context.request.get(base + (ics or ""))
    assert feed.headers["content-type"] == "text/calendar; charset=utf-8"
    webcal = page.get_by_role("link", name="Aplicación de calendario (webcal)")
    assert (webcal.get_attribute("href") or "").startswith("webcal://127.0.0.1")

    # The form of the official-submissions call.
    page.get_by_role(
        "link", name=re.compile("Enviar una contribución.*Contribuciones oficiales")
    ).click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Contribuciones oficiales")
    check_page(page, axe_source, shots, "form")

    # A refused submission (no title) keeps what was typed and says why, beside the field.
    page.get_by_label("Sociedad civil", exact=True).check()
    page.get_by_label("Su nombre (obligatorio)").fill("Ana Pérez")
    page.get_by_label("Organización", exact=True).fill("Red de Bibliotecas")
    page.get_by_label("Correo electrónico (obligatorio)").fill("ana@example.org")
    text = "Proponemos una sesión sobre bibliotecas como puntos de acceso público."
    page.get_by_label("Su contribución (obligatorio)").fill(text)
    page.get_by_label("Palabras clave", exact=True).fill("C3, SDG4")
    page.get_by_label("Publicar el texto de mi contribución.", exact=True).check()
    page.get_by_role("button", name="Enviar la contribución").click()
    assert page.get_by_label("Su contribución (obligatorio)").input_value() == text
    assert page.locator("#title-error").inner_text().startswith("Esta convocatoria exige")
    check_page(page, axe_source, shots, "form-refused")

    # Corrected and sent: the receipt with its tracking number.
    page.get_by_label("Título (obligatorio)").fill("Acceso público a Internet en bibliotecas")
    page.get_by_role("button", name="Enviar la contribución").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Contribución recibida"
    number = page.locator(".tracking").inner_text()
    assert re.fullmatch(r"CK(-[0-9A-Z]{4}){4}", number)
    check_page(page, axe_source, shots, "receipt")

    # Following it: the public status, nothing personal.
    page.get_by_role("link", name="Seguir una contribución").click()
    assert page.locator(".status").inner_text() == "recibida"
    assert "ana@example.org" not in page.content()
    check_page(page, axe_source, shots, "track")
    # No CSP violation, missing resource or script error; the refused POST's 422 is expected.
    assert [e for e in errors if "status of 422" not in e] == [], errors

    # And the submission is there for the organisers' command line.
    show = ["submissions", "show", str(WSIS), number, "--store", store]
    shown = subprocess.run(
        [sys.executable, "-m", "consultkit", *show],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "Acceso público a Internet en bibliotecas" in shown.stdout
    assert len(list(shots.glob("*.png"))) == 10
    context.close()


def test_the_form_works_with_the_keyboard_alone(browser: Browser, server: tuple[str, str]) -> None:
    base, _ = server
    context = browser.new_context(locale="es-ES")
    page = context.new_page()
    page.goto(f"{base}/{CID}/calls/official-submissions/submit")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    typed = {
        "name": "Ana Pérez",
        "organisation": "Red",
        "email": "ana@example.org",
        "title": "Con el teclado",
        "body": "Enviado solo con el teclado.",
    }
    # Tab through the form, typing into each field as it receives focus.
    seen: list[str] = []
    for _ in range(40):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.id || document.activeElement.tagName")
        seen.append(focused)
        if focused.startswith("group-") and "group" not in [s[:5] for s in seen[:-1]]:
            page.keyboard.press("Space")
        if focused in typed:
            page.keyboard.type(typed[focused])
        if focused == "BUTTON":
            page.keyboard.press("Enter")
            break
    assert "website" not in seen  # the honeypot is never reached
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Contribución recibida"
    context.close()


IGF_ARABIC = """\
id = "igf-2026"
zone = "UTC"
languages = ["ar", "en"]
title.ar = "منتدى إدارة الإنترنت 2026: الدعوة إلى حلقات العمل"
title.en = "IGF 2026: call for workshops"

[contact]
name = "IGF Secretariat"
email = "igf@example.org"

[[organisers]]
id = "igf"
name = { ar = "أمانة المنتدى", en = "IGF Secretariat" }

[[groups]]
id = "civil-society"
name = { ar = "المجتمع المدني", en = "Civil society" }

[[phases]]
id = "proposals"
ordinal = 1
title = { ar = "تقديم المقترحات", en = "Proposals" }
window = { kind = "days", first = 2026-03-02, last = 2026-04-17 }

[[calls]]
id = "workshops"
kind = "contribution"
title = { ar = "مقترحات حلقات العمل", en = "Workshop proposals" }
opens_at = 2026-03-02T00:00:00
deadline = { kind = "deadline", day = 2026-04-17, rule = "at-time", time = 23:59:00 }
"""


def test_arabic_stakeholder_journey(browser: Browser, axe_source: str, tmp_path: Path) -> None:
    """Page, refusal that keeps the text, receipt and tracking, all in Arabic, right to left."""

    config = tmp_path / "igf.toml"
    config.write_text(IGF_ARABIC, encoding="utf-8")
    store = f"sqlite:///{tmp_path / 'web.sqlite'}"
    shots = tmp_path / "screenshots"
    shots.mkdir()
    with serving(config, store, tmp_path, before=("--now", "2026-03-10T12:00:00Z")) as base:
        context = browser.new_context(locale="ar-EG")
        page = context.new_page()
        page.goto(base + "/")
        html = page.locator("html")
        assert (html.get_attribute("lang"), html.get_attribute("dir")) == ("ar", "rtl")
        assert page.get_by_role("heading", name="الدعوات إلى تقديم المساهمات").is_visible()
        assert "Deadline" not in page.content() and "Time left" not in page.content()
        check_page(page, axe_source, shots, "ar-consultation")

        page.get_by_role("link", name=re.compile("تقديم مساهمة في هذه الدعوة")).click()
        assert page.get_by_role("heading", level=1).inner_text() == "مقترحات حلقات العمل"
        page.get_by_label("المجتمع المدني", exact=True).check()
        page.get_by_label("اسمكم (إلزامي)").fill("أمل")
        page.get_by_label("عنوان البريد الإلكتروني (إلزامي)").fill("amal@example.org")
        text = "نقترح حلقة عمل عن النفاذ المجتمعي إلى الإنترنت."
        page.get_by_label("مساهمتكم (إلزامي)").fill(text)
        page.get_by_role("button", name="إرسال المساهمة").click()
        assert page.get_by_label("مساهمتكم (إلزامي)").input_value() == text
        assert page.locator("#title-error").inner_text().startswith("تتطلب هذه الدعوة")
        assert page.get_by_role("alert").inner_text().startswith("لم تُحفظ المساهمة")
        check_page(page, axe_source, shots, "ar-form-refused")

        page.get_by_label("العنوان (إلزامي)").fill("النفاذ المجتمعي")
        page.get_by_role("button", name="إرسال المساهمة").click()
        assert page.get_by_role("heading", level=1).inner_text() == "تم استلام المساهمة"
        assert re.fullmatch(r"CK(-[0-9A-Z]{4}){4}", page.locator(".tracking").inner_text())
        check_page(page, axe_source, shots, "ar-receipt")

        page.get_by_role("link", name="تتبُّع مساهمة").click()
        assert page.locator(".status").inner_text() == "مستلَمة"
        assert page.locator("html").get_attribute("dir") == "rtl"
        check_page(page, axe_source, shots, "ar-track")
        context.close()


def test_error_pages_pass_axe_in_the_browser(
    browser: Browser, axe_source: str, tmp_path: Path
) -> None:
    """404, 403 (a form without its CSRF token), 413 (a body over the limit), 422 (a refused
    form) and 429 (too many tracking lookups), each as a person's browser shows it."""
    store = f"sqlite:///{tmp_path / 'errors.sqlite'}"
    shots = tmp_path / "screenshots"
    shots.mkdir()
    budget = ("--lookups-per-minute", "2")
    with serving(
        WSIS, store, tmp_path, before=("--now", "2020-01-15T10:00:00Z"), after=budget
    ) as base:
        context = browser.new_context(locale="es-ES")
        page = context.new_page()
        form = f"{base}/{CID}/calls/official-submissions/submit"

        missing = page.goto(f"{base}/{CID}/no-such-page")
        assert missing is not None and missing.status == 404
        check_page(page, axe_source, shots, "error-404")

        page.goto(form)
        page.evaluate("document.querySelector('input[name=_csrf_token]').remove()")
        with page.expect_navigation() as sent:
            page.locator("button[type=submit]").click()
        assert sent.value is not None and sent.value.status == 403
        check_page(page, axe_source, shots, "error-403")

        page.goto(form)
        page.check("input[name=group][value=civil-society]")
        page.fill("#name", "Ana Pérez")
        page.fill("#email", "ana@example.org")
        page.fill("#title", "Demasiado largo")
        page.fill("#body", "x" * 300_000)
        with page.expect_navigation() as sent:
            page.locator("button[type=submit]").click()
        assert sent.value is not None and sent.value.status == 413
        check_page(page, axe_source, shots, "error-413")

        page.goto(form)
        page.check("input[name=group][value=civil-society]")
        page.fill("#name", "Ana Pérez")
        page.fill("#email", "not an address")
        page.fill("#body", "Un texto.")
        with page.expect_navigation() as sent:
            page.locator("button[type=submit]").click()
        assert sent.value is not None and sent.value.status == 422
        assert page.locator("#email-error").count() == 1
        check_page(page, axe_source, shots, "error-422-form")

        for _ in range(3):
            answer = page.goto(f"{base}/{CID}/track?number=CK-0000-0000-0000-0001")
        assert answer is not None and answer.status == 429
        check_page(page, axe_source, shots, "error-429")
        context.close()


def test_a_call_with_its_own_fields_in_the_browser(
    browser: Browser, axe_source: str, server: tuple[str, str], tmp_path: Path
) -> None:
    """The WSIS workshop requests (people, a choice, vocabularies), refused then sent."""
    base, store = server
    shots = tmp_path / "field-shots"
    shots.mkdir()
    context = browser.new_context(locale="es-ES")
    page = context.new_page()
    page.goto(f"{base}/{CID}/calls/workshop-requests/submit")
    assert page.get_by_role("heading", level=3).inner_text() == "Sobre su contribución"
    check_page(page, axe_source, shots, "fields-form")

    page.get_by_label("Sociedad civil", exact=True).check()
    page.get_by_label("Su nombre (obligatorio)").fill("Ana Pérez")
    page.get_by_label("Correo electrónico (obligatorio)").fill("ana@example.org")
    page.get_by_label("Título (obligatorio)").fill("Bibliotecas conectadas")
    page.get_by_label("Su contribución (obligatorio)").fill("Un taller sobre bibliotecas.")
    page.locator("#f-organisers-0-name").fill("Red de Bibliotecas")
    page.locator("#f-organisers-0-country").select_option("ES")
    page.locator("#f-organisers-0-consent").check()
    page.get_by_label("Línea de Acción C3", exact=True).check()
    page.get_by_label("ODS 4", exact=True).check()
    # No format chosen: refused beside the format, and everything typed is still there.
    page.get_by_role("button", name="Enviar la contribución").click()
    error = page.locator("#f-format-error")
    assert error.inner_text().startswith("Esta respuesta no se acepta.")
    assert page.locator("#f-format-1").get_attribute("aria-invalid") == "true"
    assert page.locator("#f-organisers-0-name").input_value() == "Red de Bibliotecas"
    assert page.locator("#f-organisers-0-country").input_value() == "ES"
    assert page.locator("#f-organisers-0-consent").is_checked()
    assert page.get_by_label("Línea de Acción C3", exact=True).is_checked()
    check_page(page, axe_source, shots, "fields-refused")

    page.get_by_label("Mesa redonda", exact=True).check()
    page.get_by_role("button", name="Enviar la contribución").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Contribución recibida"
    number = page.locator(".tracking").inner_text()
    shown = subprocess.run(
        [
            sys.executable,
            "-m",
            "consultkit",
            "submissions",
            "show",
            str(WSIS),
            number,
            "--format",
            "json",
            "--store",
            store,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert '"format": "roundtable"' in shown.stdout and '"C3"' in shown.stdout
    context.close()


def test_the_compilation_report_page_passes_axe(
    browser: Browser, axe_source: str, tmp_path: Path
) -> None:
    """The HTML report (consultkit report --format html) read in a browser: WCAG 2.2 AA."""
    import datetime as dt

    from consultkit.app.application import Consultkit
    from consultkit.config.loader import load_consultation
    from consultkit.domain.clock import FixedClock
    from consultkit.domain.submissions import Consent, Submitter
    from consultkit.formats.report_render import render_report

    wsis = load_consultation(WSIS)
    clock = FixedClock(dt.datetime(2019, 12, 2, 10, tzinfo=dt.UTC))
    with Consultkit.open("memory://", clock=clock, entry_points=False) as app:
        for n, country in enumerate(["ES", "KE", "JP", "KE"]):
            app.submit(
                wsis,
                call_id="official-submissions",
                submitter=Submitter(
                    name=f"P{n}", email=f"p{n}@example.org", group="civil-society", country=country
                ),
                title=f"Título {n}",
                body="Mantengan el Foro abierto." if n % 2 else f"Idea {n}.",
                tags=["C7"],
                consent=Consent(publish_text=True),
            )
        html = render_report(app.report(wsis), "html").decode()
    shots = tmp_path / "report-shots"
    shots.mkdir()
    context = browser.new_context(locale="es-ES")
    page = context.new_page()
    page.set_content(html)
    # The report's own words and the consultation's names are both Spanish: one lang.
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.locator("h1").inner_text().startswith("Informe de compilación")
    check_page(page, axe_source, shots, "report")
    context.close()


PHOTO_CONTEST = """\
id = "photos-2020"
zone = "Europe/Zurich"
languages = ["en", "es"]
title = { en = "Photo contest", es = "Concurso fotográfico" }

[[groups]]
id = "civil-society"
name = { en = "Civil society", es = "Sociedad civil" }

[[calls]]
id = "photo-contest"
kind = "contest"
title = { en = "Photo contest", es = "Concurso fotográfico" }
opens_at = 2020-01-01T00:00:00
deadline = { day = 2020-02-03 }
attachments = { types = ["image/jpeg", "image/png"], max_bytes = 5_000_000, max_files = 3 }
"""


def test_a_photo_is_uploaded_to_the_contest(
    browser: Browser, axe_source: str, tmp_path: Path
) -> None:
    # The letter gives the WSIS photo contest no dates, so a minimal contest is served here.
    from consultkit_web.testing import serving

    config = tmp_path / "photos.toml"
    config.write_text(PHOTO_CONTEST, encoding="utf-8")
    photo = tmp_path / "holiday photo.png"
    photo.write_bytes(WSIS_PNG)
    shots = tmp_path / "screenshots"
    shots.mkdir()
    store = f"sqlite:///{tmp_path / 'photos.sqlite'}"
    with serving(config, store, tmp_path, before=("--now", "2020-01-15T10:00:00Z")) as base:
        context = browser.new_context(locale="en-GB")
        page = context.new_page()
        page.goto(f"{base}/photos-2020/calls/photo-contest/submit")
        check_page(page, axe_source, shots, "photo-form")
        page.get_by_label("Civil society", exact=True).check()
        page.get_by_label(re.compile("^Your name")).fill("Ana Pérez")
        page.get_by_label(re.compile("^E-mail")).fill("ana@example.org")
        page.get_by_label(re.compile("^Title")).fill("Library at dusk")
        page.get_by_label(re.compile("^Your contribution")).fill("A public library at dusk.")
        page.get_by_label("Files", exact=True).set_input_files(str(photo))
        page.get_by_role("button", name=re.compile("Send")).click()
        assert page.get_by_role("heading", level=1).inner_text() == "Submission received"
        check_page(page, axe_source, shots, "photo-receipt")
        context.close()
    kept = list((tmp_path / "photos.sqlite.attachments").iterdir())
    assert [p.read_bytes() for p in kept] == [WSIS_PNG]
    assert kept[0].stat().st_mode & 0o777 == 0o600


# A 1x1 PNG (signature, IHDR, IDAT, IEND), written out so the test needs no image library.
WSIS_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de"
    "0000000c4944415478da63f8cfc000000301010018dd8db00000000049454e44ae426082"
)
