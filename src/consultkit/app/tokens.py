"""Organisers' bearer tokens: made high-entropy, shown once, stored as a sha256 only.

A token is ``ckt_`` and 43 URL-safe characters from :mod:`secrets` (256 bits), so a plain
sha256 is enough to store it by: nobody can guess a preimage, and no salt or slow hash is
needed as it would be for a password a person chose. The secret is never stored, never
logged and never printed again after ``consultkit tokens create``.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from typing import Final

from consultkit.errors import ConsultkitError, RuleRefusedError

TOKEN_PREFIX: Final = "ckt_"  # noqa: S105 (a prefix, not a secret)
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class TokenRefusedError(ConsultkitError):
    """A bearer token that opens nothing: unknown, revoked, or missing (HTTP 401)."""


def new_token_secret() -> str:
    """A fresh token: ``ckt_`` and 256 random bits, URL-safe."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_hash(secret: str) -> str:
    """What a store keeps and looks a token up by: the sha256 of the secret, hex."""
    return hashlib.sha256(secret.strip().encode()).hexdigest()


def check_token_name(name: str) -> str:
    """``name`` if it can name a token, else :class:`RuleRefusedError` (rule ``token-name``)."""
    if not _NAME.match(name):
        raise RuleRefusedError(
            "token-name",
            f"{name!r} cannot name a token: use 1 to 64 letters, digits, '.', '_' or '-',"
            " starting with a letter or digit (e.g. secretariat-2020)",
        )
    return name
