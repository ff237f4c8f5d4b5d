"""Downloading Twilio's catalogue: written atomically, validated first, failures explained. No network."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from skill.catalog import explain
from skill.catalog.sync import TWILIO_CATALOG_URL, sync
from skill.config import Settings
from skill.errors import ConfigError, UpstreamError
from tests.catalog.conftest import SMALL_CATALOGUE, write_catalogue


def serving(status: int, body: bytes, seen: list[httpx.Request] | None = None) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        return httpx.Response(status, content=body, headers={"Content-Type": "application/json"})

    return httpx.MockTransport(handler)


def files_in(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


def test_sync_downloads_twilios_catalogue_into_the_home(settings: Settings) -> None:
    seen: list[httpx.Request] = []
    path = sync(settings, transport=serving(200, json.dumps(SMALL_CATALOGUE).encode(), seen))
    assert path == settings.home / "twilio-error-codes.json"
    assert json.loads(path.read_text()) == SMALL_CATALOGUE
    assert [str(request.url) for request in seen] == [TWILIO_CATALOG_URL]
    assert files_in(settings.home) == ["twilio-error-codes.json"]
    found = explain(45123, settings)
    assert found is not None and found.source == "twilio-catalog"


def test_sync_replaces_an_older_copy_and_lookups_see_the_new_one(settings: Settings) -> None:
    write_catalogue(settings.home / "twilio-error-codes.json", [{"code": 45123, "message": "Old title"}])
    assert (found := explain(45123, settings)) is not None and found.title == "Old title"
    sync(settings, transport=serving(200, json.dumps(SMALL_CATALOGUE).encode()))
    assert (found := explain(45123, settings)) is not None and found.title == "Widget quota exhausted"


@pytest.mark.parametrize(
    "body",
    [b"<html>sign in</html>", b"{}", b"[]", b'[{"message": "no code"}]', b'[{"code": "abc"}]', b"[1, 2]"],
)
def test_a_body_that_is_not_a_catalogue_leaves_no_file(settings: Settings, body: bytes) -> None:
    with pytest.raises(UpstreamError) as raised:
        sync(settings, transport=serving(200, body))
    assert raised.value.code == "upstream.error_catalog_invalid"
    assert raised.value.remediation
    assert files_in(settings.home) == []


def test_a_failed_sync_keeps_the_previous_copy(settings: Settings) -> None:
    previous = write_catalogue(settings.home / "twilio-error-codes.json")
    before = previous.read_bytes()
    with pytest.raises(UpstreamError):
        sync(settings, transport=serving(200, b"not json at all"))
    assert previous.read_bytes() == before
    assert files_in(settings.home) == ["twilio-error-codes.json"]


def test_an_http_500_raises_a_retryable_upstream_error(settings: Settings) -> None:
    with pytest.raises(UpstreamError) as raised:
        sync(settings, transport=serving(500, b"oops"))
    assert raised.value.code == "upstream.error_catalog_http"
    assert raised.value.http_status == 500
    assert raised.value.retryable
    assert files_in(settings.home) == []


def test_an_http_404_is_not_retryable(settings: Settings) -> None:
    with pytest.raises(UpstreamError) as raised:
        sync(settings, url="https://www.twilio.com/docs/nowhere.json", transport=serving(404, b""))
    assert raised.value.http_status == 404
    assert not raised.value.retryable


def failing(exc: Callable[[httpx.Request], Exception]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc(request)

    return httpx.MockTransport(handler)


def test_an_unreachable_host_raises_a_retryable_upstream_error(settings: Settings) -> None:
    transport = failing(lambda request: httpx.ConnectError("no route", request=request))
    with pytest.raises(UpstreamError) as raised:
        sync(settings, transport=transport)
    assert raised.value.code == "upstream.error_catalog_unreachable"
    assert raised.value.retryable
    assert any("TWILIO_SKILL_ERROR_CATALOG" in step for step in raised.value.remediation)


def test_a_home_that_cannot_be_written_raises_a_config_error(settings: Settings, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("in the way")
    unwritable = settings.with_overrides(home=blocker / "home")
    with pytest.raises(ConfigError) as raised:
        sync(unwritable, transport=serving(200, json.dumps(SMALL_CATALOGUE).encode()))
    assert raised.value.code == "config.home_unwritable"
    assert raised.value.remediation
