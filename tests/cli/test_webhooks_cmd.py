"""`twilio-skill webhooks` names every route the receiver answers, read from the receiver itself."""

from __future__ import annotations

from typing import Any

import pytest

from skill.cli.webhooks_cmd import callback_paths
from skill.core.context import Services
from skill.webhooks.app import build_webhooks_app
from tests.cli.conftest import Invoke


def test_the_listed_paths_are_the_receivers_own_routes(services: Services) -> None:
    paths = callback_paths(build_webhooks_app(services.settings, services.stores, run_worker=False))
    assert {"/twilio/sms/status", "/twilio/sms/inbound", "/sendgrid/events", "/sendgrid/inbound"} <= set(paths)
    assert any(path.startswith("/twilio/voice/ivr/") for path in paths)
    assert "/healthz" not in paths


def test_the_command_prints_sendgrid_inbound_and_the_ivr_route(run: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    apps: list[Any] = []
    monkeypatch.setattr("uvicorn.run", lambda app, **options: apps.append(app))
    result = run("webhooks", "--port", "8799")
    assert result.exit_code == 0, result.output
    (app,) = apps
    app.state.receiver.stores.close()  # the server's lifespan would have closed them
    assert "/sendgrid/inbound" in result.stderr and "/twilio/voice/ivr/{menu}/{node}" in result.stderr
