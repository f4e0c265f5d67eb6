"""The editors' side (SPEC §9): the /editor page and the write endpoints of the API.

Every write goes to the archive's one writer (started in the app's lifespan)
and is answered when it is in the corpus and in the index. The API
(`webapp.editor_api`) takes the bearer token; the page (`webapp.editor_pages`)
a session cookie and a CSRF token. Both read request bodies through
`webapp.bodies`; `indexer.editing.batches` decides which files they become.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.routing import BaseRoute

from indexer.settings import Settings
from webapp import editor_api, editor_pages, editor_trash
from webapp.auth import EditorAuth, new_token
from webapp.auth_store import AuthStore


def install(app: Starlette, settings: Settings) -> str:
    """Give the app its editor token and auth; returns the token (generated when unset)."""
    token = settings.editor_token or new_token()
    app.state.editor_auth = EditorAuth(token, AuthStore(settings.index))
    return token


# The page's routes first, as before the split: the paths do not overlap.
routes: list[BaseRoute] = [*editor_pages.routes, *editor_api.routes, *editor_trash.routes]
