"""Secrets out of everything that leaves tradeflow: URLs, messages, logs."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, quote, quote_plus, urlencode, urlsplit, urlunsplit

if TYPE_CHECKING:
    from extractors.base import Payload

# Query parameters that carry keys at some publisher (data.go.kr's serviceKey, Census's key, ...).
SECRET_PARAMS = frozenset({"servicekey", "key", "subscription-key", "api_key", "apikey", "token"})


_USERINFO = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*://)([^/?#@\s'\"<>]*)@")


def redact_userinfo(url: str, *, keep_user: bool = False) -> str:
    """`https://user:password@host/...` -> `https://***@host/...` (a name alone can be a token too);
    with `keep_user` (database URLs, whose user names are no secret) -> `...://user:***@host/...`."""

    def masked(match: re.Match[str]) -> str:
        user, has_password, _password = match[2].partition(":")
        if keep_user:
            return f"{match[1]}{user}:***@" if has_password else match[0]
        return f"{match[1]}***@"

    return _USERINFO.sub(masked, url)


def url_secrets(url: str, *, token_users: bool = True) -> list[str]:
    """The secrets a URL carries in its userinfo: the password; and, with `token_users` (publishers' base
    URLs, not database URLs, whose user names are no secret), a user name standing alone that is long
    enough to be a token (20 characters or more: a name like "tradeflow" would be masked everywhere,
    publishers' payloads included)."""
    try:
        parts = urlsplit(url.strip())
        user, password = parts.username, parts.password
    except ValueError:
        return []
    if password:
        return [password]
    return [user] if token_users and user and len(user) >= 20 else []


def redact_payload(payload: Payload, secrets: Iterable[str]) -> Payload:
    """A payload with every secret in its bytes masked (as written, URL-encoded or form-encoded) and its
    URL redacted: a publisher that echoes the key in an error envelope (KCS does) must not leave it in the
    archive. The mask is plain ASCII, so the payload still parses as it did."""
    content = payload.content
    for secret in secrets:
        if not secret:
            continue
        for form in dict.fromkeys((secret, quote(secret, safe=""), quote_plus(secret))):
            content = content.replace(form.encode(), b"***")
    return dataclasses.replace(payload, content=content, url=redact_url(payload.url, secrets))


def redact_url(url: str, secrets: Iterable[str] = ()) -> str:
    """Remove secrets from a URL: its userinfo and known key parameters are masked, and any secret value
    anywhere."""
    parts = urlsplit(redact_userinfo(url))
    query = [
        (k, "***" if k.lower() in SECRET_PARAMS else v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
    ]
    cleaned = urlunsplit(
        (parts.scheme, parts.netloc, parts.path, urlencode(query, safe=",*:"), parts.fragment)
    )
    return redact_text(cleaned, secrets)


def redact_text(text: str, secrets: Iterable[str]) -> str:
    """Every secret value, as written and URL-encoded, replaced by ***; and the password of any URL in
    the text (`scheme://user:***@host`), configured or not."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
            encoded = quote(secret, safe="")
            if encoded != secret:
                text = text.replace(encoded, "***")
    return redact_userinfo(text, keep_user=True) if "@" in text else text
