"""The connection to the cluster: the settings as opensearch-py's client options.

`VINDEX_OPENSEARCH_URL` names one node or several (comma-separated); basic
auth (`VINDEX_OPENSEARCH_USERNAME`, `_PASSWORD`) or an API key
(`VINDEX_OPENSEARCH_API_KEY`, sent as `Authorization: ApiKey ...`). TLS
certificates are verified unless `VINDEX_OPENSEARCH_VERIFY_CERTS=false`; a
private CA's bundle is `VINDEX_OPENSEARCH_CA_CERTS`. The client retries a
request on another node when one times out or is down.
"""

from __future__ import annotations

from typing import Any

from opensearchpy import OpenSearch

from indexer.settings import Settings, SettingsError

TIMEOUT = 30  # seconds a request may take (a bulk batch, a deep aggregation)
MAX_RETRIES = 3


def client_options(settings: Settings) -> dict[str, Any]:
    """The keyword arguments of `OpenSearch(...)` for these settings."""
    hosts = [url.strip() for url in settings.opensearch_url.split(",") if url.strip()]
    if not hosts:
        raise SettingsError("VINDEX_OPENSEARCH_URL: the cluster's address is needed")
    for url in hosts:
        if not url.startswith(("http://", "https://")):
            raise SettingsError(f"VINDEX_OPENSEARCH_URL: expected http(s)://host:port, got {url!r}")
    if settings.opensearch_api_key and settings.opensearch_username:
        raise SettingsError("VINDEX_OPENSEARCH_API_KEY and _USERNAME: set one of them, not both")
    options: dict[str, Any] = {
        "hosts": hosts,
        "verify_certs": settings.opensearch_verify_certs,
        "ssl_show_warn": settings.opensearch_verify_certs,
        "timeout": TIMEOUT,
        "max_retries": MAX_RETRIES,
        "retry_on_timeout": True,
        "http_compress": True,
    }
    if settings.opensearch_ca_certs:
        options["ca_certs"] = settings.opensearch_ca_certs
    if settings.opensearch_username:
        options["http_auth"] = (settings.opensearch_username, settings.opensearch_password)
    if settings.opensearch_api_key:
        options["headers"] = {"Authorization": f"ApiKey {settings.opensearch_api_key}"}
    return options


def connect(settings: Settings) -> OpenSearch:
    return OpenSearch(**client_options(settings))
