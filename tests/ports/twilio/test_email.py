"""The SendGrid gateway is what the core's port says it is (mypy checks the same in the gateway)."""

from __future__ import annotations

import inspect

from skill.gateways.sendgrid_gateway import SendGridGateway
from skill.ports.twilio.email import SendGridPort


def test_the_sendgrid_gateway_has_every_method_of_its_port_with_the_same_arguments() -> None:
    methods = [name for name, _ in inspect.getmembers(SendGridPort, inspect.isfunction)]
    assert {"send_mail", "list_templates", "list_suppressions", "find_suppression"} <= set(methods)
    for name in methods:
        if name.startswith("_"):
            continue
        implemented = getattr(SendGridGateway, name)
        assert inspect.iscoroutinefunction(implemented), name
        expected = list(inspect.signature(getattr(SendGridPort, name)).parameters)
        assert list(inspect.signature(implemented).parameters) == expected, name
