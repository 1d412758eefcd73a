"""Where notification settings come from: environment variables and an optional TOML file.

Channel settings stay out of the consultation file on purpose: the consultation file is
the organiser's public description of a process, while SMTP passwords and webhook secrets
are deployment secrets. Two sources, the environment winning over the file:

* ``CONSULTKIT_NOTIFY_SETTINGS=PATH`` (or ``--settings PATH``): a TOML file such as::

      channels = ["email", "webhook"]      # enabled channels (default: ["log"])
      max_attempts = 8                     # back-off policy
      base_seconds = 30
      cap_seconds = 3600

      [email]                              # one table per channel, keys in lower case
      host = "127.0.0.1"
      port = 8025

* ``CONSULTKIT_NOTIFY_CHANNELS=email,webhook`` and ``CONSULTKIT_<CHANNEL>_<KEY>=value``
  (``CONSULTKIT_EMAIL_HOST``, ``CONSULTKIT_WEBHOOK_SECRET``…), plus
  ``CONSULTKIT_NOTIFY_MAX_ATTEMPTS``, ``_BASE_SECONDS`` and ``_CAP_SECONDS``.

Links sent to people are set here too: ``secret`` (``CONSULTKIT_SECRET``, at least 16
characters) signs e-mail confirmation links, ``public_url`` (``CONSULTKIT_PUBLIC_URL``) is
where ``consultkit serve`` is reached from outside, and ``confirm_hours``
(``CONSULTKIT_CONFIRM_HOURS``, default 72) is how long a confirmation link works.

People known by address (submitters, organisers) are reached only on a channel that
reaches people (``email``; see :class:`consultkit.notify.channels.Reach`), never on
``webhook`` or ``log``: with no such channel enabled, their deliveries wait in the outbox
until one is. The application builds one notifier per enabled channel from these settings
(:func:`consultkit.app.dispatch.build_notifiers`).
"""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from consultkit.errors import ConfigError, Problem
from consultkit.i18n import Text, deferred
from consultkit.notify.backoff import Backoff
from consultkit.reasons import os_reason

if TYPE_CHECKING:
    from collections.abc import Mapping

SETTINGS_ENV = "CONSULTKIT_NOTIFY_SETTINGS"
MIN_SECRET_LENGTH = 16
CHANNELS_ENV = "CONSULTKIT_NOTIFY_CHANNELS"


@attrs.frozen(kw_only=True)
class NotifySettings:
    """Enabled channels, each channel's settings, and the retry policy."""

    channels: tuple[str, ...] = ("log",)
    channel_settings: Mapping[str, Mapping[str, str]] = attrs.field(factory=dict)
    backoff: Backoff = attrs.field(factory=Backoff)
    secret: str | None = attrs.field(default=None, repr=False)
    """Signs confirmation links; None when not configured."""
    public_url: str | None = None
    """The web front door's address as people reach it (no trailing slash), if known."""
    confirm_validity: dt.timedelta = dt.timedelta(hours=72)
    """How long an e-mail confirmation link works."""

    @property
    def address_channel(self) -> str:
        """The channel for people known by e-mail address: ``email``, enabled or not.

        Never another enabled channel: a webhook or the log does not reach a person, and
        a person's address is not a URL to POST to (issue 9, item 7). The application picks
        among the built notifiers with :func:`consultkit.notify.channels.people_channel`.
        """
        return "email"

    def settings_for(self, channel: str) -> Mapping[str, str]:
        return self.channel_settings.get(channel, {})


def _problem(file: str, path: str, message: Text) -> ConfigError:
    return ConfigError([Problem(path=path, message=message, file=file)])


def load_settings(
    path: str | Path | None = None, environ: Mapping[str, str] | None = None
) -> NotifySettings:
    """Read the settings file (if any) and the environment; raises ``ConfigError`` if wrong."""
    env = os.environ if environ is None else environ
    data: dict[str, Any] = {}
    file = str(path or env.get(SETTINGS_ENV, "") or "")
    if file:
        try:
            data = tomllib.loads(Path(file).read_text(encoding="utf-8"))
        except OSError as exc:
            raise _problem(
                file,
                "",
                deferred.gettext(
                    "cannot read the settings file: %(reason)s", reason=os_reason(exc)
                ),
            ) from None
        except tomllib.TOMLDecodeError as exc:
            raise _problem(
                file, "", deferred.gettext("not valid TOML: %(error)s", error=str(exc))
            ) from None
    channels_value: Any = data.get("channels", ["log"])
    if env.get(CHANNELS_ENV, "").strip():
        channels_value = [c.strip() for c in env[CHANNELS_ENV].split(",") if c.strip()]
    if (
        not isinstance(channels_value, list)
        or not channels_value
        or not all(isinstance(c, str) and c for c in channels_value)
    ):
        raise _problem(
            file or CHANNELS_ENV, "channels", deferred.gettext('write a list such as `["email"]`')
        )
    channels = tuple(dict.fromkeys(c.lower() for c in channels_value))
    per_channel: dict[str, dict[str, str]] = {}
    for channel in channels:
        table = data.get(channel, {})
        if not isinstance(table, dict):
            raise _problem(file, channel, deferred.gettext("must be a table of settings"))
        values = {str(k).lower(): str(v) for k, v in table.items()}
        prefix = f"CONSULTKIT_{channel.upper().replace('-', '_')}_"
        for key, value in env.items():
            if key.startswith(prefix):
                values[key.removeprefix(prefix).lower()] = value
        per_channel[channel] = values

    def number(key: str, default: float) -> float:
        variable = f"CONSULTKIT_NOTIFY_{key.upper()}"
        raw = env.get(variable, data.get(key, default))
        # Located by the file, else by the variable's name (a name, the same in every language).
        where = file or variable
        try:
            value = float(raw)
        except (TypeError, ValueError):
            raise _problem(
                where, key, deferred.gettext("must be a number, not %(value)r", value=raw)
            ) from None
        if value <= 0:
            raise _problem(where, key, deferred.gettext("must be positive"))
        return value

    backoff = Backoff(
        max_attempts=int(number("max_attempts", 8)),
        base=dt.timedelta(seconds=number("base_seconds", 30)),
        cap=dt.timedelta(seconds=number("cap_seconds", 3600)),
    )
    secret = str(env.get("CONSULTKIT_SECRET") or data.get("secret") or "") or None
    if secret is not None and len(secret) < MIN_SECRET_LENGTH:
        raise _problem(
            file or "CONSULTKIT_SECRET",
            "secret",
            deferred.gettext(
                "must be at least 16 characters: make one with"
                " `python -c 'import secrets; print(secrets.token_urlsafe(32))'`"
            ),
        )
    public_url = str(env.get("CONSULTKIT_PUBLIC_URL") or data.get("public_url") or "").strip()
    if public_url and not public_url.startswith(("http://", "https://")):
        raise _problem(
            file or "CONSULTKIT_PUBLIC_URL",
            "public_url",
            deferred.gettext("write an http(s):// URL"),
        )
    confirm_hours = env.get("CONSULTKIT_CONFIRM_HOURS", data.get("confirm_hours", 72))
    try:
        hours = float(confirm_hours)
    except (TypeError, ValueError):
        hours = -1.0
    if hours <= 0:
        raise _problem(
            file or "CONSULTKIT_CONFIRM_HOURS",
            "confirm_hours",
            deferred.gettext("must be a positive number, not %(value)r", value=confirm_hours),
        )
    return NotifySettings(
        channels=channels,
        channel_settings=per_channel,
        backoff=backoff,
        secret=secret,
        public_url=public_url.rstrip("/") or None,
        confirm_validity=dt.timedelta(hours=hours),
    )
