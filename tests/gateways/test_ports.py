"""The gateway area classes answer the ports the core is typed against: same methods, same parameters.

mypy checks the same through each gateway module's `PORT` assignment; this catches a port and its
gateway drifting apart even where the types happen to line up.
"""

from __future__ import annotations

import inspect

import pytest

from skill.gateways.twilio_accounts import Accounts
from skill.gateways.twilio_keys import Keys
from skill.gateways.twilio_lookups import Lookups
from skill.gateways.twilio_numbers import Numbers
from skill.ports.twilio.accounts import AccountsPort
from skill.ports.twilio.keys import KeysPort
from skill.ports.twilio.lookups import LookupsPort
from skill.ports.twilio.numbers import NumbersPort

PAIRS = [(AccountsPort, Accounts), (KeysPort, Keys), (NumbersPort, Numbers), (LookupsPort, Lookups)]


def port_methods(port: type) -> dict[str, inspect.Signature]:
    return {
        name: inspect.signature(member)
        for name, member in vars(port).items()
        if inspect.isfunction(member) and not name.startswith("_")
    }


@pytest.mark.parametrize(("port", "gateway"), PAIRS, ids=[port.__name__ for port, _ in PAIRS])
def test_every_port_method_is_a_coroutine_of_the_gateway_with_the_same_parameters(port: type, gateway: type) -> None:
    methods = port_methods(port)
    assert methods, port
    for name, signature in methods.items():
        implemented = getattr(gateway, name, None)
        assert implemented is not None and inspect.iscoroutinefunction(implemented), f"{gateway.__name__}.{name}"
        ours = inspect.signature(implemented)
        assert list(ours.parameters) == list(signature.parameters), f"{gateway.__name__}.{name}"
        for parameter in signature.parameters.values():
            assert ours.parameters[parameter.name].kind == parameter.kind, f"{gateway.__name__}.{name}"
            has_default = parameter.default is not inspect.Parameter.empty
            assert (ours.parameters[parameter.name].default is not inspect.Parameter.empty) == has_default
