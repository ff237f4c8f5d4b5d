"""The operations twilio_api_call never runs, and the curated tools that run the others instead."""

from __future__ import annotations

import pytest

from skill.core.operation_rules import ALWAYS_DENIED, COVERED_BY, CURATED, LOCAL_TOOLS
from skill.core.operations import check_allowed, operation
from skill.errors import InputError, PolicyError
from skill.server.registry import all_tools
from skill.specs import load_index
from skill.specs.build import is_secret

AUTH_TOKEN_OPERATIONS = {
    "accounts_v1.UpdateAuthTokenPromotion",
    "accounts_v1.CreateSecondaryAuthToken",
    "accounts_v1.DeleteSecondaryAuthToken",
}


def test_the_always_denied_list_is_every_operation_answering_a_secret_and_the_auth_token_ones() -> None:
    operations = load_index().operations
    answering_secrets = {op.id for op in operations.values() if any(is_secret(name) for name in op.props)}
    print(f"{len(answering_secrets)} operations answer a secret-named property")
    assert {"api_v2010.CreateNewKey", "iam_v1.CreateNewKey", "api_v2010.CreateNewSigningKey"} <= answering_secrets
    assert answering_secrets | AUTH_TOKEN_OPERATIONS == ALWAYS_DENIED


def test_secret_names_are_recognised_and_sids_of_secrets_are_not() -> None:
    assert all(is_secret(name) for name in ("secret", "auth_token", "secondary_auth_token", "refresh_token"))
    assert is_secret("sessionToken") and is_secret("clientSecret")  # camelCase, as some specs write them
    assert not any(is_secret(name) for name in ("secret_sid", "token_sid", "friendly_name", "tokens", "secretSid"))


@pytest.mark.parametrize("op_id", sorted(ALWAYS_DENIED))
def test_an_always_denied_operation_is_refused_by_the_policy(op_id: str) -> None:
    with pytest.raises(PolicyError, match="never run through twilio_api_call") as caught:
        check_allowed(operation(op_id))
    assert caught.value.code == "policy.denied"


def test_every_curated_operation_exists_and_every_tool_is_mapped_or_local() -> None:
    operations = load_index().operations
    mapped = [op_id for ops in CURATED.values() for op_id in ops]
    assert sorted(set(mapped) - set(operations)) == []
    assert len(mapped) == len(set(mapped)), "an operation is covered by one tool"
    tools = {spec.name for spec in all_tools()}
    assert tools - set(CURATED) - LOCAL_TOOLS == set(), "a tool is neither mapped to operations nor local"
    assert set(CURATED) | LOCAL_TOOLS <= tools
    assert not set(COVERED_BY) & ALWAYS_DENIED


def test_every_version_of_a_curated_operation_points_at_its_tool() -> None:
    # Studio v1's CreateExecution starts a flow as v2's does; Lookup v1 bills as v2 does: neither may skip the checks.
    operations = load_index().operations
    missed = []
    for op_id, tool in COVERED_BY.items():
        spec, name = op_id.split(".", 1)
        for other in operations.values():
            same_job = other.operation_id == name and other.product == spec.split("_", 1)[0]
            if same_job and other.id not in ALWAYS_DENIED and COVERED_BY.get(other.id) != tool:
                missed.append(f"{other.id} (as {op_id}: {tool})")
    assert missed == []
    for op_id, tool in (
        ("studio_v1.CreateExecution", "studio_execution_start"),
        ("lookups_v1.FetchPhoneNumber", "number_lookup"),
    ):
        with pytest.raises(InputError, match=tool):
            check_allowed(operation(op_id))


def test_a_curated_operation_points_at_its_tool_while_other_products_namesakes_stay_reachable() -> None:
    with pytest.raises(InputError, match="message_send") as caught:
        check_allowed(operation("api_v2010.CreateMessage"))
    assert caught.value.code == "input.use_curated_tool"
    assert caught.value.remediation[0].startswith("Call message_send")
    for op_id in ("conversations_v1.CreateConversationMessage", "chat_v2.CreateMessage", "chat_v1.CreateMessage"):
        check_allowed(operation(op_id))
    for op_id, tool in (
        ("api_v2010.CreateCall", "call_create"),
        ("verify_v2.CreateVerification", "verification_start"),
        ("studio_v2.CreateExecution", "studio_execution_start"),
        ("api_v2010.DeleteIncomingPhoneNumber", "number_release"),
    ):
        with pytest.raises(InputError, match=tool):
            check_allowed(operation(op_id))
