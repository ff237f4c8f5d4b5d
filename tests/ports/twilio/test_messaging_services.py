"""The Messaging Services gateway is what the core's port says it is (mypy checks the same in the gateway)."""

from __future__ import annotations

import inspect

from skill.gateways.twilio_messaging_services import MessagingServices
from skill.ports.twilio.messaging_services import MessagingServicesPort


def test_the_gateway_has_every_method_of_its_port_with_the_same_arguments() -> None:
    methods = [name for name, _ in inspect.getmembers(MessagingServicesPort, inspect.isfunction)]
    assert {"list", "fetch", "create", "update", "senders", "add_sender", "remove_sender"} <= set(methods)
    for name in methods:
        if name.startswith("_"):
            continue
        implemented = getattr(MessagingServices, name)
        assert inspect.iscoroutinefunction(implemented), name
        expected = list(inspect.signature(getattr(MessagingServicesPort, name)).parameters)
        assert list(inspect.signature(implemented).parameters) == expected, name
