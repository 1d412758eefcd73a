"""HMAC-SHA256 signatures over ``timestamp + "." + body``, and how receivers check them.

Each request carries::

    Consultkit-Event-Id: 7f0c…            (deduplicate on it: delivery is at least once)
    Consultkit-Timestamp: 1580770800      (Unix seconds when the request was signed)
    Consultkit-Signature: v1=5d41…        (hex HMAC-SHA256 of f"{timestamp}.{body}")

Each subscription is signed with its own secret, derived from the deployment's master
secret and the subscribed URL (:func:`subscription_secret`): a receiver holds only its own,
so it cannot sign requests another receiver would accept (issue 9, item 11). Deriving it
stores nothing new: no schema change, nothing more to erase or back up; rotating the master
rotates every subscription's secret. ``consultkit webhook-secret URL`` prints one.

A receiver recomputes the HMAC with its secret over the *raw* body bytes, compares it in
constant time, and rejects timestamps too far from its clock (replays)::

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


def subscription_secret(master: str | bytes, url: str) -> str:
    """The signing secret of the subscription at ``url``: hex HMAC-SHA256(master, url).

    ``url`` is the subscribed address exactly as ``consultkit subscribers list`` shows it.
    """
    key = master.encode() if isinstance(master, str) else master
    message = b"consultkit-webhook subscription\x00" + url.strip().encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


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
    if not isinstance(timestamp, str) or not (timestamp.isascii() and timestamp.isdigit()):
        raise SignatureError("Consultkit-Timestamp is not a number")
    stamp = int(timestamp)
    if not isinstance(signature, str) or not signature.isascii():
        # compare_digest raises TypeError on non-ASCII text: a bad header is a bad signature.
        raise SignatureError("Consultkit-Signature does not match the body")
    current = time.time() if now is None else now
    if abs(current - stamp) > tolerance:
        raise SignatureError("Consultkit-Timestamp is too old or in the future (replay?)")
    expected = sign(secret, stamp, body)
    if not any(hmac.compare_digest(expected, part.strip()) for part in signature.split(",")):
        raise SignatureError("Consultkit-Signature does not match the body")
