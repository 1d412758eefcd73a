"""E-mail confirmation links: a signed token naming one submission and when it expires.

A call with ``confirm_email = true`` sends each submitter a link carrying such a token;
following it records the submission as ``email-confirmed``. The token is signed with
itsdangerous (HMAC-SHA256) under a secret from the settings file or the environment, never
from the consultation file, which is public. The expiry is inside the signed data and is
checked against the application's clock (so ``--now`` and tests see the same rule), not
the signer's wall clock.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import TYPE_CHECKING

import attrs

from consultkit.errors import ConfirmationLinkError
from consultkit.i18n import deferred

if TYPE_CHECKING:
    import itsdangerous

SALT = "consultkit.email-confirmation.v1"
"""Keeps a confirmation token from being valid as any other token signed with the secret."""

DEFAULT_VALIDITY = dt.timedelta(days=3)


@attrs.frozen(kw_only=True)
class ConfirmationSigner:
    """Makes and reads confirmation tokens with one secret and one validity."""

    secret: str = attrs.field(repr=False)
    validity: dt.timedelta = DEFAULT_VALIDITY

    def _serializer(self) -> itsdangerous.URLSafeSerializer:
        # Imported here: itsdangerous costs about 10 ms at start-up, and every verb builds
        # the application, while few sign or read a link (issue 14).
        import itsdangerous

        return itsdangerous.URLSafeSerializer(
            self.secret, salt=SALT, signer_kwargs={"digest_method": hashlib.sha256}
        )

    def expires_at(self, now: dt.datetime) -> dt.datetime:
        """When a token made at ``now`` stops working (whole seconds, UTC)."""
        return dt.datetime.fromtimestamp(int((now + self.validity).timestamp()), dt.UTC)

    def token(self, submission_id: str, now: dt.datetime) -> str:
        """A URL-safe token for ``submission_id``, valid until :meth:`expires_at` ``(now)``."""
        expires = int(self.expires_at(now).timestamp())
        return str(self._serializer().dumps([submission_id, expires]))

    def read(self, token: str, now: dt.datetime) -> str:
        """The submission id ``token`` names, if it is genuine and not expired at ``now``.

        Raises :class:`~consultkit.errors.ConfirmationLinkError`: rule
        ``confirmation-link`` for a forged, damaged or foreign token, rule
        ``confirmation-expired`` for a genuine one past its expiry.
        """
        import itsdangerous

        try:
            data = self._serializer().loads(token.strip())
        except itsdangerous.BadData:
            raise ConfirmationLinkError(
                "confirmation-link",
                deferred.gettext(
                    "this confirmation link is not valid: copy the whole link from the e-mail,"
                    " or ask the organisers for a new one"
                ),
            ) from None
        if (
            not isinstance(data, list)
            or len(data) != 2
            or not isinstance(data[0], str)
            or not isinstance(data[1], int)
        ):
            # Signed by this secret but not by this module: treat it as forged.
            raise ConfirmationLinkError(
                "confirmation-link", deferred.gettext("this confirmation link is not valid")
            )
        submission_id: str = data[0]
        expires: int = data[1]
        if now.timestamp() > expires:
            ended = dt.datetime.fromtimestamp(expires, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
            raise ConfirmationLinkError(
                "confirmation-expired",
                deferred.gettext(
                    "this confirmation link expired on %(ended)s: the submission is kept,"
                    " unconfirmed; ask the organisers to confirm it",
                    ended=ended,
                ),
            )
        return submission_id
