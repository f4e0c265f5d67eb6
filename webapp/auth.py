"""Editor access: the token, the signed session cookie, CSRF tokens, and slowing down guessers.

One secret, the editor token (`VINDEX_EDITOR_TOKEN`), opens everything. The
API takes it as `Authorization: Bearer <token>`; the editor page asks for it
once and then keeps a session cookie signed with a key derived from the token
(HMAC-SHA256), so every worker process of one server accepts the same cookie
and changing the token ends all sessions. Every form carries a CSRF token
bound to the session; the page's scripts send it as `X-CSRF-Token`.

Logging out ends the session on the server too: its id is revoked, so a
copy of the cookie no longer opens anything. Revoked sessions and the
guessers' failures are kept where every worker process sees them
(`webapp.auth_store`).

A wrong token costs time: after a few failures from one client, it must wait
before its next try (a delay that doubles with each failure, up to a limit);
tries within the wait are answered 429 with `Retry-After`, unread. Guessing
is slow, a mistyped token costs nothing, and no connection is held open. A
missing token is not a guess and is simply 401.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import math
import secrets
import time

from starlette.requests import Request
from starlette.responses import Response

from webapp.auth_store import AuthStore
from webapp.errors import ApiError
from webapp.http import ascii_digits

SESSION_COOKIE = "vindex_editor"
SESSION_SECONDS = 8 * 3600
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
# Failures within this window count; the first few are free (typos).
FAILURE_WINDOW = 600.0
FREE_FAILURES = 3
FIRST_DELAY = 0.5
MAX_DELAY = 60.0
# Tries remembered for the slow-down (all clients); the oldest are forgotten first.
MAX_TRIES = 100_000


class Unauthorized(ApiError):
    def __init__(self, message: str = "Editor access needs the editor token.") -> None:
        super().__init__(401, message, headers={"WWW-Authenticate": 'Bearer realm="vindex"'})


class TooManyFailures(ApiError):
    def __init__(self, seconds: float) -> None:
        wait = max(1, math.ceil(seconds))
        super().__init__(
            429,
            f"Too many wrong tokens from this client: try again in {wait} s.",
            headers={"Retry-After": str(wait)},
        )


class Forbidden(ApiError):
    def __init__(self, message: str) -> None:
        super().__init__(403, message)


def new_token() -> str:
    return secrets.token_urlsafe(24)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def same(presented: str, expected: str | bytes) -> bool:
    """A constant-time comparison of any text a client sent (compare_digest takes ASCII only).

    Headers and cookies arrive as Latin-1 text and forms as any Unicode, even
    lone surrogates: as bytes they compare (unequal) instead of raising a
    TypeError that would answer 500.
    """
    wanted = expected if isinstance(expected, bytes) else expected.encode("utf-8")
    return hmac.compare_digest(presented.encode("utf-8", "surrogatepass"), wanted)


class EditorAuth:
    """Checks tokens, signs and reads session cookies, makes and checks CSRF tokens."""

    def __init__(self, token: str, store: AuthStore) -> None:
        self._token = token.encode("utf-8")
        self._key = hmac.new(self._token, b"vindex editor session v1", hashlib.sha256).digest()
        self._store = store

    def _sign(self, message: str) -> str:
        return _b64(hmac.new(self._key, message.encode("utf-8"), hashlib.sha256).digest())

    def token_ok(self, presented: str) -> bool:
        return same(presented, self._token)

    # -- sessions ----------------------------------------------------------------

    def new_session(self) -> str:
        """A cookie value: a random session id and its expiry, signed."""
        payload = f"{secrets.token_urlsafe(16)}.{int(time.time()) + SESSION_SECONDS}"
        return f"{payload}.{self._sign(payload)}"

    def session(self, request: Request) -> str | None:
        """The session id of a valid, unexpired cookie, else None."""
        value = request.cookies.get(SESSION_COOKIE, "")
        payload, _, signature = value.rpartition(".")
        if not payload or not same(signature, self._sign(payload)):
            return None
        session_id, _, expires = payload.partition(".")
        if not ascii_digits(expires) or int(expires) < time.time():
            return None
        if self._store.is_revoked(session_id):
            return None
        return session_id

    def end_session(self, session_id: str) -> None:
        """Logout: the session's cookie is refused by every worker from now on, not only cleared."""
        now = time.time()
        self._store.revoke(session_id, now + SESSION_SECONDS, now)

    def set_cookie(self, request: Request, response: Response) -> None:
        response.set_cookie(
            SESSION_COOKIE,
            self.new_session(),
            max_age=SESSION_SECONDS,
            path="/",
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https" or _public_https(request),
        )

    @staticmethod
    def clear_cookie(response: Response) -> None:
        response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")

    # -- CSRF --------------------------------------------------------------------

    def csrf_token(self, session_id: str | None) -> str:
        """Bound to the session; before login, to a time stamp (the login form's token)."""
        if session_id is not None:
            return self._sign(f"csrf:{session_id}")
        stamp = str(int(time.time()))
        return f"{stamp}.{self._sign(f'login:{stamp}')}"

    def csrf_ok(self, session_id: str | None, presented: str) -> bool:
        if not presented:
            return False
        if session_id is not None:
            return same(presented, self._sign(f"csrf:{session_id}"))
        stamp, _, signature = presented.partition(".")
        if not ascii_digits(stamp) or time.time() - int(stamp) > SESSION_SECONDS:
            return False
        return same(signature, self._sign(f"login:{stamp}"))

    # -- slowing down guessers ------------------------------------------------------

    def check_pace(self, client: str) -> None:
        """429 while the client must wait after repeated wrong tokens; its tries are not read.

        Otherwise the try is recorded as a failure until `succeeded` forgives
        it, in the store every worker shares.
        """
        left = self._store.record_try(client, time.time(), FAILURE_WINDOW, _wait, MAX_TRIES)
        if left > 0:
            raise TooManyFailures(left)

    def succeeded(self, client: str) -> None:
        self._store.clear(client)


def _wait(count: int, last: float, now: float) -> float:
    """Seconds left to wait after `count` failures within the window, the last at `last`.

    The wait doubles with each failure past the free ones, up to MAX_DELAY;
    tries within a wait are refused unread and not counted, so hammering does
    not lengthen it: the right token is accepted once it has passed.
    """
    excess = count - FREE_FAILURES
    if excess <= 0:
        return 0.0
    delay: float = min(FIRST_DELAY * 2.0 ** min(excess - 1, 30), MAX_DELAY)
    # Never more than the delay: a clock set back must not lengthen the wait.
    return max(0.0, min(delay, last + delay - now))


def _public_https(request: Request) -> bool:
    """Whether the site's public address (VINDEX_BASE_URL) is HTTPS, as behind a TLS proxy."""
    base_url: str | None = request.app.state.settings.base_url
    return bool(base_url and base_url.startswith("https:"))


def client_of(request: Request) -> str:
    """Who the throttle counts: the client's address, or its /64 for IPv6.

    One IPv6 host is commonly given a whole /64: counted by address, it
    could try each guess from a new one.
    """
    host = request.client.host if request.client else "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is None:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return host


def _auth(request: Request) -> EditorAuth:
    auth: EditorAuth = request.app.state.editor_auth
    return auth


async def require_editor(request: Request) -> None:
    """An API call: the bearer token, or the editor page's session (with CSRF on writes)."""
    auth = _auth(request)
    header = request.headers.get("authorization", "")
    scheme, _, presented = header.partition(" ")
    if header:
        auth.check_pace(client_of(request))
        if scheme.lower() == "bearer" and auth.token_ok(presented.strip()):
            auth.succeeded(client_of(request))
            return
        raise Unauthorized("The editor token is wrong.")
    session_id = auth.session(request)
    if session_id is None:
        raise Unauthorized()
    if request.method not in ("GET", "HEAD") and not auth.csrf_ok(
        session_id, request.headers.get(CSRF_HEADER, "")
    ):
        raise Forbidden("The CSRF token is missing or wrong: reload the editor page.")


def require_session(request: Request, csrf: str) -> str:
    """A form post of the editor page: a session, and the form's CSRF token."""
    auth = _auth(request)
    session_id = auth.session(request)
    if session_id is None:
        raise Unauthorized("Log in on the editor page first.")
    if not auth.csrf_ok(session_id, csrf):
        raise Forbidden("The form's CSRF token is missing or wrong: reload the editor page.")
    return session_id
