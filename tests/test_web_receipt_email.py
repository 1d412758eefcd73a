"""The receipt e-mail, actually sent: submit through the web form of a real `consultkit
serve` process, drain the outbox with `consultkit notify run` to a real SMTP server
(aiosmtpd) on loopback, and find the receipt with its tracking number in the inbox."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from smtp_inbox import serving_inbox

pytest.importorskip("aiosmtpd.controller")
pytest.importorskip("consultkit_smtp")
web_testing = pytest.importorskip("consultkit_web.testing")

WSIS = Path(__file__).resolve().parents[1] / "examples" / "wsis2020" / "consultation.toml"
CID = "wsis-forum-2020-ocp"
IN_WINDOW = "2020-01-15T10:00:00Z"
TRACKING = re.compile(r"CK-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")


def test_the_receipt_of_a_web_submission_reaches_the_submitters_inbox(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'web.sqlite'}"
    with web_testing.serving(WSIS, store, tmp_path, before=("--now", IN_WINDOW)) as base:
        form = f"{base}/{CID}/calls/official-submissions/submit?lang=es"
        with httpx.Client() as browser:
            page = browser.get(form)
            sent = browser.post(
                form,
                data=web_testing.filled() | web_testing.form_tokens(page.text),
                follow_redirects=True,
            )
    assert sent.status_code == 200 and "Contribución recibida" in sent.text
    numbers = set(TRACKING.findall(sent.text))
    assert len(numbers) == 1
    (number,) = numbers
    with serving_inbox() as (inbox, port):
        env = {k: v for k, v in os.environ.items() if not k.startswith("CONSULTKIT_")} | {
            "CONSULTKIT_STORE": store,
            "CONSULTKIT_NOTIFY_CHANNELS": "email",
            "CONSULTKIT_EMAIL_HOST": "127.0.0.1",
            "CONSULTKIT_EMAIL_PORT": str(port),
            "CONSULTKIT_EMAIL_FROM": "wsis-info@itu.int",
        }
        drained = subprocess.run(
            [sys.executable, "-m", "consultkit", "--now", IN_WINDOW, "notify", "run"],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert drained.returncode == 0, drained.stderr
        assert "dead 0" in drained.stdout and "retrying 0" in drained.stdout, drained.stdout
        (receipt,) = inbox.to("ana@example.org")
    text = receipt.get_body(preferencelist=("plain",)).get_content()
    assert number in text
    assert receipt["From"].addresses[0].addr_spec == "wsis-info@itu.int"
    assert "Acceso público a Internet en bibliotecas" in str(receipt["Subject"]) + text
