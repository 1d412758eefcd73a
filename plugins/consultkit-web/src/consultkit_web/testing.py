"""Helpers for testing the web front end: read a form's hidden fields, fill it in."""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from pathlib import Path

CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')
KEY = re.compile(r'name="idempotency_key" value="([^"]+)"')


def form_tokens(html: str) -> dict[str, str]:
    """The hidden fields a browser would send back: the CSRF token and idempotency key."""
    csrf, key = CSRF.search(html), KEY.search(html)
    assert csrf and key, "the form lacks its hidden fields"
    return {"_csrf_token": csrf.group(1), "idempotency_key": key.group(1)}


def filled(**overrides: Any) -> dict[str, Any]:
    values = {
        "group": "civil-society",
        "name": "Ana Pérez",
        "organisation": "Red de Bibliotecas",
        "email": "ana@example.org",
        "title": "Acceso público a Internet en bibliotecas",
        "body": "Proponemos una sesión sobre bibliotecas como puntos de acceso.",
        "language": "es",
        "tags": "C3, SDG4",
        "consent_publish_text": "yes",
    }
    values.update(overrides)
    return values


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def serving(
    config: Path,
    store: str,
    logs: Path,
    *,
    before: Sequence[str] = (),
    after: Sequence[str] = (),
) -> Iterator[str]:
    """Run ``consultkit BEFORE… serve CONFIG --store STORE AFTER…`` on a free loopback port.

    ``before`` holds global options (``--now``), ``after`` the command's own. Yields the
    base URL; stops the server after and checks its log for tracebacks and locked databases.
    """
    port = free_port()
    env = os.environ | {"CONSULTKIT_WEB_SECRET": "serve-test"}
    command = [sys.executable, "-m", "consultkit", *before, "serve", str(config)]
    log = logs / f"serve-{port}.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [*command, "--port", str(port), "--store", store, *after],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/", timeout=1).status_code < 500:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"consultkit serve did not start:\n{log.read_text()}")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)
        assert "database is locked" not in log.read_text()
        assert "Traceback" not in log.read_text(), log.read_text()
