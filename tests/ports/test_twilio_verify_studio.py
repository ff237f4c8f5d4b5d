"""The Verify and Studio gateways are what their ports say the core may call: the same methods with
the same parameters (mypy checks the types of the assignment below when run over this file)."""

from __future__ import annotations

import inspect

import pytest

from skill.gateways.twilio_gateway import TwilioGateway
from skill.gateways.twilio_studio import Studio
from skill.gateways.twilio_verify import Verify
from skill.ports.twilio.studio import StudioPort
from skill.ports.twilio.verify import VerifyPort


def as_ports(gateway: TwilioGateway) -> tuple[VerifyPort, StudioPort]:
    return gateway.verify, gateway.studio


def port_methods(port: type) -> list[str]:
    return [name for name, member in vars(port).items() if inspect.iscoroutinefunction(member)]


@pytest.mark.parametrize(("port", "gateway"), [(VerifyPort, Verify), (StudioPort, Studio)], ids=["verify", "studio"])
def test_each_gateway_method_takes_the_parameters_its_port_declares(port: type, gateway: type) -> None:
    names = port_methods(port)
    assert names
    for name in names:
        declared = inspect.signature(getattr(port, name)).parameters
        implemented = inspect.signature(getattr(gateway, name)).parameters
        shape = [(p.name, p.kind, p.default is inspect.Parameter.empty) for p in declared.values()]
        assert shape == [(p.name, p.kind, p.default is inspect.Parameter.empty) for p in implemented.values()], name
