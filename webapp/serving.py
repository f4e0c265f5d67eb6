"""How `vindex serve` runs uvicorn: whom it believes, how many connections it keeps, what it logs.

Forwarded headers (`X-Forwarded-For`, `X-Forwarded-Proto`) name the client
only when they come from a proxy the operator named (VINDEX_TRUSTED_PROXIES):
uvicorn believes them from 127.0.0.1 by default, so any local client, or any
client of a proxy that passes the header on, could be whoever it liked to the
editor's throttle.
"""

from __future__ import annotations

from typing import Any

from indexer.settings import Settings

# The shortest editor token `vindex serve` accepts: 16 characters from
# secrets.token_urlsafe are 96 bits, beyond guessing at any rate the throttle allows.
MIN_TOKEN_LENGTH = 16


def token_problem(token: str) -> str | None:
    """Why the editor token cannot guard a server, or None."""
    if len(token.strip()) < MIN_TOKEN_LENGTH:
        return (
            f"VINDEX_EDITOR_TOKEN is too short ({len(token.strip())} characters): use at least "
            f"{MIN_TOKEN_LENGTH}, or leave it unset to have one generated"
        )
    return None


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """The keyword arguments of uvicorn.run that follow from the settings."""
    proxies = settings.trusted_proxy_list
    return {
        # Without trusted proxies the connection's own address is the client.
        "proxy_headers": bool(proxies),
        "forwarded_allow_ips": ",".join(proxies) if proxies else "",
    }
