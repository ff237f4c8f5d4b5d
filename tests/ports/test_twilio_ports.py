"""The Twilio gateway's area classes answer the ports the core is written against: every method a port
names exists on its gateway class, is async, and takes the same parameters."""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

import pytest

from skill.gateways.twilio_monitor import Monitor
from skill.gateways.twilio_usage import Usage
from skill.ports.twilio.monitor import MonitorPort
from skill.ports.twilio.usage import UsagePort

if TYPE_CHECKING:
    from skill.gateways.twilio_gateway import TwilioGateway

    # Checked by mypy when run on the tests: each class is assignable to its port.
    def _conforms(gateway: TwilioGateway) -> tuple[MonitorPort, UsagePort]:
        return Monitor(gateway), Usage(gateway)


PAIRS: list[tuple[type[Any], type[Any]]] = [(MonitorPort, Monitor), (UsagePort, Usage)]


def port_methods(port: type[Any]) -> list[str]:
    return [name for name, value in vars(port).items() if inspect.isfunction(value) and not name.startswith("_")]


def shape(function: Any) -> list[tuple[str, Any, bool]]:
    """(name, kind, has a default) of each parameter but self."""
    parameters = list(inspect.signature(function).parameters.values())[1:]
    return [(p.name, p.kind, p.default is not inspect.Parameter.empty) for p in parameters]


@pytest.mark.parametrize(("port", "gateway"), PAIRS, ids=[port.__name__ for port, _ in PAIRS])
def test_each_port_method_exists_on_the_gateway_with_the_same_parameters(port: type[Any], gateway: type[Any]) -> None:
    names = port_methods(port)
    assert names
    for name in names:
        implementation = getattr(gateway, name, None)
        assert implementation is not None, f"{gateway.__name__} lacks {name}"
        assert inspect.iscoroutinefunction(implementation), name
        assert shape(implementation) == shape(getattr(port, name)), name
