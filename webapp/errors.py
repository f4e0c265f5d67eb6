"""The errors a request can cause, as exceptions the app's one error handler renders.

Each is an `HTTPException`, so the handler in `webapp.app` turns it into the
JSON shape of SPEC §8 on `/api/` (`{"error": {"status", "message", "param"}}`)
and into the error page elsewhere. Views raise them; they never build error
responses themselves.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from starlette.exceptions import HTTPException

logger = logging.getLogger("vindex")


class ApiError(HTTPException):
    """An error answer; `param` names the request parameter at fault, when there is one."""

    def __init__(
        self,
        status: int,
        message: str,
        param: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(status, message, headers=dict(headers) if headers else None)
        self.param = param


class BadParameter(ApiError):
    """400: a parameter that cannot be used."""

    def __init__(self, param: str, message: str) -> None:
        super().__init__(400, f"{param}: {message}", param)


class BadBody(ApiError):
    """400: a request body that cannot even be read (broken compression)."""

    def __init__(self, message: str) -> None:
        super().__init__(400, message)


class NotFound(ApiError):
    def __init__(self, message: str) -> None:
        super().__init__(404, message)


class PayloadTooLarge(ApiError):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The request body is larger than {limit} bytes.")


class UnsupportedMediaType(ApiError):
    def __init__(self, got: str, accepted: tuple[str, ...]) -> None:
        super().__init__(
            415,
            f"Content-Type {got or '(none)'!r} is not accepted here; send {' or '.join(accepted)}.",
            "Content-Type",
        )


class Unprocessable(ApiError):
    """422: a body that arrived whole and in an accepted type, but cannot be used as it is."""

    def __init__(self, message: str, param: str | None = None) -> None:
        super().__init__(422, message, param)


NOT_BUILT = "The index has not been built yet."
