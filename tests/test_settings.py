"""Settings: defaults, `VINDEX_*` variables read into typed values, clear errors, flag overrides."""

from __future__ import annotations

import os
import re
from dataclasses import fields
from pathlib import Path

import pytest

from indexer.settings import Settings, SettingsError

README = Path(__file__).resolve().parents[1] / "README.md"


def test_defaults() -> None:
    settings = Settings()
    assert settings == Settings.from_env({})
    assert (settings.index, settings.corpus) == (Path("index"), Path("corpus"))
    assert (settings.host, settings.port, settings.workers) == ("127.0.0.1", 8000, None)
    # Unset, a worker per core this process may use, at most eight.
    assert settings.worker_count == min(8, len(os.sched_getaffinity(0)))
    assert Settings(workers=3).worker_count == 3
    assert settings.editor_token is None
    assert (settings.max_upload_mb, settings.max_file_mb) == (20, 20)
    assert settings.max_file_bytes == 20 * 1024 * 1024
    assert settings.cors_origin_list == ["*"]
    assert settings.base_url is None
    assert settings.trusted_proxy_list == []
    assert (settings.max_connections, settings.header_timeout) == (1000, 20)


def test_variables_are_read_into_typed_values() -> None:
    settings = Settings.from_env(
        {
            "VINDEX_INDEX": "/srv/vindex/index",
            "VINDEX_CORPUS": "articles",
            "VINDEX_HOST": "0.0.0.0",
            "VINDEX_PORT": "8080",
            "VINDEX_WORKERS": "4",
            "VINDEX_EDITOR_TOKEN": "a-token-of-some-length",
            "VINDEX_MAX_UPLOAD_MB": "5",
            "VINDEX_MAX_FILE_MB": "64",
            "VINDEX_CORS_ORIGINS": "https://a.example, ,https://b.example",
            "VINDEX_MAX_CONNECTIONS": "2",
            "VINDEX_HEADER_TIMEOUT": "3600",
            # Not ours: ignored.
            "VINDEX_CHROMIUM": "/usr/bin/chromium",
            "PORT": "1",
        }
    )
    assert settings == Settings(
        index=Path("/srv/vindex/index"),
        corpus=Path("articles"),
        host="0.0.0.0",
        port=8080,
        workers=4,
        editor_token="a-token-of-some-length",
        max_upload_mb=5,
        max_file_mb=64,
        cors_origins="https://a.example, ,https://b.example",
        max_connections=2,
        header_timeout=3600,
    )
    assert settings.cors_origin_list == ["https://a.example", "https://b.example"]
    assert settings.max_file_bytes == 64 * 1024 * 1024


def test_an_empty_variable_means_the_default() -> None:
    assert Settings.from_env({"VINDEX_PORT": "", "VINDEX_INDEX": ""}) == Settings()


@pytest.mark.parametrize(
    ("name", "raw", "message"),
    [
        ("VINDEX_PORT", "http", "VINDEX_PORT: expected a number, got 'http'"),
        ("VINDEX_PORT", "80.5", "VINDEX_PORT: expected a number, got '80.5'"),
        ("VINDEX_PORT", "0", "VINDEX_PORT: must be between 1 and 65535"),
        ("VINDEX_PORT", "65536", "VINDEX_PORT: must be between 1 and 65535"),
        ("VINDEX_WORKERS", "65", "VINDEX_WORKERS: must be between 1 and 64"),
        ("VINDEX_MAX_UPLOAD_MB", "-1", "VINDEX_MAX_UPLOAD_MB: must be between 1 and 10240"),
        ("VINDEX_MAX_FILE_MB", "0", "VINDEX_MAX_FILE_MB: must be between 1 and 10240"),
        ("VINDEX_MAX_CONNECTIONS", "1", "VINDEX_MAX_CONNECTIONS: must be between 2 and 1000000"),
        ("VINDEX_HEADER_TIMEOUT", "3601", "VINDEX_HEADER_TIMEOUT: must be between 1 and 3600"),
        (
            "VINDEX_BASE_URL",
            "ftp://news.example",
            "VINDEX_BASE_URL: expected http(s)://host[:port][/path], got 'ftp://news.example'",
        ),
        (
            "VINDEX_BASE_URL",
            "https://user@news.example",
            "VINDEX_BASE_URL: expected http(s)://host[:port][/path], "
            "got 'https://user@news.example'",
        ),
        (
            "VINDEX_BASE_URL",
            "https://news.example:port",
            "VINDEX_BASE_URL: expected http(s)://host[:port][/path], "
            "got 'https://news.example:port'",
        ),
        (
            "VINDEX_TRUSTED_PROXIES",
            "10.0.0.1,10.0.0.300",
            "VINDEX_TRUSTED_PROXIES: '10.0.0.300' is not an address or network",
        ),
    ],
)
def test_bad_values_name_the_variable_and_what_is_wanted(name: str, raw: str, message: str) -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({name: raw})
    assert str(raised.value) == message


def test_addresses_are_written_canonically() -> None:
    settings = Settings.from_env(
        {
            "VINDEX_BASE_URL": " HTTPS://News.Example:8443/archive/ ",
            "VINDEX_TRUSTED_PROXIES": "*, 192.168.1.7/24, 2001:db8::1",
        }
    )
    assert settings.base_url == "https://News.Example:8443/archive"
    assert settings.trusted_proxies == "*,192.168.1.0/24,2001:db8::1"
    assert settings.trusted_proxy_list == ["*", "192.168.1.0/24", "2001:db8::1"]


def test_flags_override_variables_and_none_keeps_them() -> None:
    from_env = Settings.from_env({"VINDEX_PORT": "9000", "VINDEX_INDEX": "/srv/index"})
    overridden = from_env.with_overrides(port=9001, host=None, index=None, workers=2)
    assert overridden == Settings(index=Path("/srv/index"), port=9001, workers=2)
    # The original is frozen and unchanged.
    assert from_env.port == 9000


def test_to_env_round_trips() -> None:
    settings = Settings(
        index=Path("/srv/index"),
        port=9000,
        editor_token="a-token-of-some-length",
        base_url="https://news.example",
        trusted_proxies="10.0.0.0/8",
    )
    env = settings.to_env()
    # Unset values (None) are left out, so the child reads its defaults.
    assert "VINDEX_INDEX" in env and env["VINDEX_PORT"] == "9000"
    assert "VINDEX_BASE_URL" in env
    assert "VINDEX_EDITOR_TOKEN" in env
    assert set(Settings().to_env()) == {
        f"VINDEX_{item.name.upper()}"
        for item in fields(Settings)
        if item.name not in ("editor_token", "base_url", "workers", "read_threads", "description")
    }
    assert Settings.from_env(env) == settings


def test_the_archive_is_named_and_described_in_one_line() -> None:
    assert (Settings().title, Settings().description) == ("Vindex", None)
    settings = Settings.from_env(
        {
            "VINDEX_TITLE": "  The Daily  Archive ",
            "VINDEX_DESCRIPTION": "Every issue since 1987,\n  searchable.",
        }
    )
    assert settings.title == "The Daily Archive"
    assert settings.description == "Every issue since 1987, searchable."
    assert Settings.from_env(settings.to_env()) == settings


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("VINDEX_TITLE", " \n ", "VINDEX_TITLE: must not be blank"),
        ("VINDEX_TITLE", "x" * 61, "VINDEX_TITLE: at most 60 characters"),
        ("VINDEX_DESCRIPTION", "x" * 301, "VINDEX_DESCRIPTION: at most 300 characters"),
    ],
)
def test_a_title_or_description_that_does_not_fit_is_refused(
    variable: str, value: str, message: str
) -> None:
    with pytest.raises(SettingsError, match=f"^{re.escape(message)}$"):
        Settings.from_env({variable: value})


def test_the_readme_lists_every_setting() -> None:
    listed = set(re.findall(r"^\| `(VINDEX_[A-Z_]+)` \|", README.read_text(), re.MULTILINE))
    assert {f"VINDEX_{item.name.upper()}" for item in fields(Settings)} <= listed
