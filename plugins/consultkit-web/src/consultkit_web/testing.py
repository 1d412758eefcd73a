"""Helpers for testing the web front end: read a form's hidden fields, fill it in."""

from __future__ import annotations

import re
from typing import Any

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
