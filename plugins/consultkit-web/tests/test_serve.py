"""`consultkit serve` as a real server process on loopback: submit, then list from the CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
from consultkit_web.testing import filled, form_tokens

WSIS = Path(__file__).resolve().parents[3] / "examples" / "wsis2020" / "consultation.toml"
CID = "wsis-forum-2020-ocp"


def test_serve_runs_a_real_server_that_stores_submissions(server: tuple[str, str]) -> None:
    base, store = server
    form = f"{base}/{CID}/calls/official-submissions/submit?lang=es"
    with httpx.Client() as browser:
        page = browser.get(form)
        assert page.status_code == 200
        sent = browser.post(form, data=filled() | form_tokens(page.text), follow_redirects=True)
    assert sent.status_code == 200 and "Contribución recibida" in sent.text
    listed = subprocess.run(
        [sys.executable, "-m", "consultkit", "submissions", "list", str(WSIS), "--store", store],
        capture_output=True,
        text=True,
        check=True,
    )
    assert f"Submissions: {CID} (1)" in listed.stdout
    number = sent.text.split('class="tracking">')[1].split("<")[0]
    show = ["submissions", "show", str(WSIS), number, "--store", store]
    shown = subprocess.run(
        [sys.executable, "-m", "consultkit", *show],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "Acceso público a Internet en bibliotecas" in shown.stdout


def test_serve_refuses_a_bad_config_without_a_traceback(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    result = subprocess.run(
        [sys.executable, "-m", "consultkit", "serve", str(missing)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "nope.toml" in result.stderr
