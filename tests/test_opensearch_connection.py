"""The cluster's settings: the backend chosen, the client's options, TLS verified by default."""

from __future__ import annotations

import pytest

from indexer.opensearch.connection import client_options
from indexer.settings import Settings, SettingsError


def cluster(**env: str) -> Settings:
    return Settings.from_env({"VINDEX_BACKEND": "opensearch", **env})


def test_the_embedded_backend_is_the_default() -> None:
    assert Settings().backend == "embedded"
    assert Settings().opensearch_verify_certs is True
    assert Settings().opensearch_index == "vindex"


def test_nodes_are_given_by_url_and_certificates_verified_by_default() -> None:
    settings = cluster(VINDEX_OPENSEARCH_URL="https://n1.example:9200, https://n2.example:9200")
    options = client_options(settings)
    assert options["hosts"] == ["https://n1.example:9200", "https://n2.example:9200"]
    assert options["verify_certs"] is True
    assert "http_auth" not in options and "headers" not in options and "ca_certs" not in options


def test_basic_auth_an_api_key_and_a_private_ca() -> None:
    basic = cluster(
        VINDEX_OPENSEARCH_URL="https://n1:9200",
        VINDEX_OPENSEARCH_USERNAME="vindex",
        VINDEX_OPENSEARCH_PASSWORD="s3cret",
        VINDEX_OPENSEARCH_CA_CERTS="/etc/ssl/newsroom-ca.pem",
    )
    options = client_options(basic)
    assert options["http_auth"] == ("vindex", "s3cret")
    assert options["ca_certs"] == "/etc/ssl/newsroom-ca.pem"
    keyed = cluster(VINDEX_OPENSEARCH_URL="https://n1:9200", VINDEX_OPENSEARCH_API_KEY="abc==")
    assert client_options(keyed)["headers"] == {"Authorization": "ApiKey abc=="}


def test_verification_is_turned_off_only_when_said() -> None:
    settings = cluster(
        VINDEX_OPENSEARCH_URL="https://n1:9200", VINDEX_OPENSEARCH_VERIFY_CERTS="false"
    )
    assert client_options(settings)["verify_certs"] is False


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"VINDEX_BACKEND": "solr"}, "VINDEX_BACKEND"),
        ({"VINDEX_OPENSEARCH_VERIFY_CERTS": "maybe"}, "VINDEX_OPENSEARCH_VERIFY_CERTS"),
        ({"VINDEX_OPENSEARCH_INDEX": "News/*"}, "VINDEX_OPENSEARCH_INDEX"),
    ],
)
def test_bad_settings_name_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_env(env)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "VINDEX_OPENSEARCH_URL"),
        ({"VINDEX_OPENSEARCH_URL": "n1:9200"}, "http"),
        (
            {
                "VINDEX_OPENSEARCH_URL": "https://n1:9200",
                "VINDEX_OPENSEARCH_USERNAME": "u",
                "VINDEX_OPENSEARCH_API_KEY": "k",
            },
            "not both",
        ),
    ],
)
def test_client_options_that_cannot_work_are_refused(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        client_options(cluster(**env))
