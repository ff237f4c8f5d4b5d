from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from skill.core.operators import (
    TOKEN_PREFIX,
    authenticate,
    check_name,
    create_operator,
    revoke_operator,
    rotate_operator,
    split_credential,
    still_current,
)
from skill.errors import InputError, NotFoundError, PolicyError
from skill.stores.sqlite import Stores


@pytest.fixture
def stores(tmp_path: Path) -> Iterator[Stores]:
    opened = Stores.open(tmp_path / "state.db")
    yield opened
    opened.close()


def test_a_credential_names_its_key_and_carries_a_long_random_secret(stores: Stores) -> None:
    record, credential = create_operator(stores.operators, "dana")
    parts = split_credential(credential)
    assert parts is not None
    key_id, secret = parts
    assert credential == f"{TOKEN_PREFIX}{key_id}_{secret}"
    assert key_id == record.key_id
    assert len(secret) >= 43  # 32 random bytes, base64url
    assert secret not in record.secret_sha256
    assert create_operator(stores.operators, "erin")[1] != credential


@pytest.mark.parametrize(
    "malformed",
    ["", "tsop_", "tsop_0123456789abcdef", "tsop_0123456789abcdef_", "tsop_XYZ3456789abcdef_secret", "x" * 500],
)
def test_malformed_credentials_are_not_split(malformed: str) -> None:
    assert split_credential(malformed) is None


def test_only_the_current_credential_of_an_active_operator_authenticates(stores: Stores) -> None:
    first_record, first = create_operator(stores.operators, "dana")
    assert authenticate(stores.operators, first) == first_record
    assert authenticate(stores.operators, f"  {first}\n") == first_record
    key_id, secret = split_credential(first) or ("", "")
    other_record, other = create_operator(stores.operators, "erin")
    other_secret = (split_credential(other) or ("", ""))[1]
    # Another operator's key with this secret, or this key with another's secret, is nobody.
    assert authenticate(stores.operators, f"{TOKEN_PREFIX}{other_record.key_id}_{secret}") is None
    assert authenticate(stores.operators, f"{TOKEN_PREFIX}{key_id}_{other_secret}") is None

    rotated, second = rotate_operator(stores.operators, "dana")
    assert authenticate(stores.operators, first) is None
    assert not still_current(stores.operators, "dana", first_record.key_id)
    assert still_current(stores.operators, "dana", rotated.key_id)
    assert authenticate(stores.operators, second) == rotated

    revoked = revoke_operator(stores.operators, "dana")
    assert not revoked.active
    assert revoked.secret_sha256 == ""
    assert authenticate(stores.operators, second) is None
    assert not still_current(stores.operators, "dana", rotated.key_id)
    assert authenticate(stores.operators, other) == other_record


def test_names_are_normalised_checked_and_unique(stores: Stores) -> None:
    assert check_name("  Dana.Smith@ops ") == "dana.smith@ops"
    for bad in ("", " ", "-x", "a b", "a/b", "\u202eadmin", "x" * 65):
        with pytest.raises(InputError):
            check_name(bad)
    create_operator(stores.operators, "dana")
    with pytest.raises(InputError) as taken:
        create_operator(stores.operators, "DANA")
    assert taken.value.code == "input.operator_exists"
    with pytest.raises(NotFoundError):
        rotate_operator(stores.operators, "nobody")
    revoke_operator(stores.operators, "dana")
    with pytest.raises(PolicyError):
        rotate_operator(stores.operators, "dana")
    with pytest.raises(PolicyError):
        revoke_operator(stores.operators, "dana")
    with pytest.raises(InputError):
        create_operator(stores.operators, "dana")
    assert [record.name for record in stores.operators.list()] == ["dana"]
