"""Secrets out of everything that leaves tradeflow: URLs, messages, logs."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

# Query parameters that carry keys at some publisher (data.go.kr's serviceKey, Census's key, ...).
SECRET_PARAMS = frozenset({"servicekey", "key", "subscription-key", "api_key", "apikey", "token"})


def redact_url(url: str, secrets: Iterable[str] = ()) -> str:
    """Remove secrets from a URL: known key parameters are masked, and any secret value anywhere."""
    parts = urlsplit(url)
    query = [
        (k, "***" if k.lower() in SECRET_PARAMS else v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
    ]
    cleaned = urlunsplit(
        (parts.scheme, parts.netloc, parts.path, urlencode(query, safe=",*:"), parts.fragment)
    )
    return redact_text(cleaned, secrets)


def redact_text(text: str, secrets: Iterable[str]) -> str:
    """Every secret value, as written and URL-encoded, replaced by ***."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
            encoded = quote(secret, safe="")
            if encoded != secret:
                text = text.replace(encoded, "***")
    return text
