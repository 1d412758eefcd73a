"""HMAC-SHA256 signatures over ``timestamp + "." + body``, and how receivers check them.

Each request carries::

    Consultkit-Event-Id: 7f0c…            (deduplicate on it: delivery is at least once)
    Consultkit-Timestamp: 1580770800      (Unix seconds when the request was signed)
    Consultkit-Signature: v1=5d41…        (hex HMAC-SHA256 of f"{timestamp}.{body}")

A receiver recomputes the HMAC with the shared secret over the *raw* body bytes, compares
it in constant time, and rejects timestamps too far from its clock (replays)::

    from consultkit_webhook import verify
    verify(secret, request.body, request.headers["Consultkit-Timestamp"],
           request.headers["Consultkit-Signature"], tolerance=300)
"""

from __future__ import annotations

import hashlib
import hmac
import time

SCHEME = "v1"


class SignatureError(ValueError):
    """A webhook request's signature or timestamp does not check out."""


def sign(secret: str | bytes, timestamp: int, body: bytes) -> str:
    """The ``Consultkit-Signature`` header value for ``body`` sent at ``timestamp``."""
    key = secret.encode() if isinstance(secret, str) else secret
    digest = hmac.new(key, str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"{SCHEME}={digest}"


def verify(
    secret: str | bytes,
    body: bytes,
    timestamp: str,
    signature: str,
    *,
    tolerance: float = 300,
    now: float | None = None,
) -> None:
    """Raise :class:`SignatureError` unless ``signature`` signs ``body`` at a recent ``timestamp``.

    ``signature`` may list several comma-separated ``v1=…`` values (during a secret
    rotation); one match is enough.
    """
    try:
        stamp = int(timestamp)
    except (TypeError, ValueError):
        raise SignatureError("Consultkit-Timestamp is not a number") from None
    current = time.time() if now is None else now
    if abs(current - stamp) > tolerance:
        raise SignatureError("Consultkit-Timestamp is too old or in the future (replay?)")
    expected = sign(secret, stamp, body)
    if not any(hmac.compare_digest(expected, part.strip()) for part in signature.split(",")):
        raise SignatureError("Consultkit-Signature does not match the body")
