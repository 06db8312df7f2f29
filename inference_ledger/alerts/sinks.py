"""Alert sinks: any URL apprise understands, configured by `LEDGER_ALERT_URLS`.

Sink URLs carry secrets (webhook tokens, SMTP passwords), so they are only ever shown
masked: scheme, host and port, nothing else.
"""

from __future__ import annotations

import logging
import os
import re
from urllib.parse import urlsplit

import apprise

log = logging.getLogger(__name__)

ENV_VAR = "LEDGER_ALERT_URLS"
# Split on whitespace, and on commas only where a new URL starts: apprise URLs may hold
# commas themselves (e.g. several recipients in `mailto://...?to=a@x,b@y`).
_SEPARATOR = re.compile(r"\s+|,\s*(?=[A-Za-z][A-Za-z0-9+.-]*://)")


def parse_sink_urls(text: str | None) -> list[str]:
    if not text:
        return []
    return [part.strip(" ,") for part in _SEPARATOR.split(text) if part.strip(" ,")]


def sink_urls_from_env() -> list[str]:
    return parse_sink_urls(os.environ.get(ENV_VAR))


def mask_url(url: str) -> str:
    """`scheme://host:port/***`: enough to tell sinks apart, no credential or token."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or "?"
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "<invalid sink url>"
    # Services such as slack:// put tokens where a host would be: show real hosts only.
    if "." not in host and ":" not in host and host != "localhost":
        host = "***"
    scheme = parts.scheme or "?"
    rest = "/***" if (parts.path not in ("", "/") or parts.query) else ""
    return f"{scheme}://{host}{port}{rest}"


def send(url: str, title: str, body: str, critical: bool) -> bool:
    """Deliver one notification to one sink; False (logged, masked) when it fails."""
    notifier = apprise.Apprise()
    if not notifier.add(url):
        log.error("alert sink %s: not a supported notification URL", mask_url(url))
        return False
    notify_type = apprise.NotifyType.FAILURE if critical else apprise.NotifyType.WARNING
    try:
        ok = bool(
            notifier.notify(
                title=title,
                body=body,
                body_format=apprise.NotifyFormat.TEXT,
                notify_type=notify_type,
            )
        )
    except Exception as exc:  # a sink must never stop the others or the alert log
        log.error("alert sink %s failed: %s", mask_url(url), type(exc).__name__)
        return False
    if not ok:
        log.error("alert sink %s: delivery failed", mask_url(url))
    return ok
