"""`consultkit serve` as a real server process on loopback: submit, then list from the CLI."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
from consultkit_web.testing import filled, form_tokens

if TYPE_CHECKING:
    from collections.abc import Iterator

WSIS = Path(__file__).resolve().parents[3] / "examples" / "wsis2020" / "consultation.toml"
IN_WINDOW = "2020-01-15T10:00:00Z"
CID = "wsis-forum-2020-ocp"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A `consultkit serve` process on 127.0.0.1 with its own SQLite store."""
    store = f"sqlite:///{tmp_path / 'web.sqlite'}"
    port = free_port()
    env = os.environ | {"CONSULTKIT_WEB_SECRET": "serve-test"}
    command = [sys.executable, "-m", "consultkit", "--now", IN_WINDOW, "serve", str(WSIS)]
    log = tmp_path / "serve.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [*command, "--port", str(port), "--store", store],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/{CID}", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"consultkit serve did not start:\n{log.read_text()}")
            time.sleep(0.2)
        yield base, store
    finally:
        process.terminate()
        process.wait(timeout=10)


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
