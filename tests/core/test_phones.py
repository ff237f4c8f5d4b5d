from __future__ import annotations

import pytest

from skill.core.phones import bare_number, normalize_address, normalize_sender, region_of, to_e164
from skill.errors import InputError


@pytest.mark.parametrize(
    "raw, region, expected",
    [
        ("+14155550199", "US", "+14155550199"),
        ("(415) 555-0199", "US", "+14155550199"),
        ("415.555.0199", "US", "+14155550199"),
        ("06 12 34 56 78", "FR", "+33612345678"),
        ("+33 6 12 34 56 78", "US", "+33612345678"),
    ],
)
def test_numbers_are_normalised_to_e164_in_the_default_region(raw: str, region: str, expected: str) -> None:
    assert to_e164(raw, region=region) == expected


@pytest.mark.parametrize("raw", ["", "12345", "+1415555019", "+999123456789", "call me"])
def test_invalid_numbers_raise_input_invalid_phone_with_steps(raw: str) -> None:
    with pytest.raises(InputError) as caught:
        to_e164(raw, region="US", field="to")
    assert caught.value.code == "input.invalid_phone"
    assert "'to'" in caught.value.message
    assert caught.value.remediation and "E.164" in caught.value.remediation[0]


def test_channel_addresses_keep_their_prefix_around_a_normalised_number() -> None:
    assert normalize_address("WhatsApp:+1 (415) 555-0199", region="US") == "whatsapp:+14155550199"
    assert bare_number("whatsapp:+14155550199") == "+14155550199"
    assert bare_number("+14155550199") == "+14155550199"


@pytest.mark.parametrize("sender", ["ACME", "Acme Shop 1", "12345", "898211"])
def test_alphanumeric_sender_ids_and_short_codes_are_kept_as_given(sender: str) -> None:
    assert normalize_sender(sender, region="US") == sender


@pytest.mark.parametrize("sender", ["TooLongSenderID", "ACME!", "MG" + "a" * 32])
def test_senders_that_are_neither_numbers_nor_sender_ids_are_refused(sender: str) -> None:
    with pytest.raises(InputError) as caught:
        normalize_sender(sender, region="US")
    assert caught.value.code == "input.invalid_phone"


def test_a_service_sid_given_as_sender_points_to_messaging_service_sid() -> None:
    with pytest.raises(InputError) as caught:
        normalize_sender("MG" + "0" * 32, region="US")
    assert "messaging_service_sid" in caught.value.remediation[0]


def test_region_of_tells_the_country_of_a_number_or_none() -> None:
    assert region_of("+442071838750", "US") == "GB"
    assert region_of("whatsapp:+5511987654321", "US") == "BR"
    assert region_of("(415) 555-0100", "US") == "US"
    assert region_of("020 7183 8750", "gb") == "GB"
    assert region_of("12", "US") is None
    assert region_of("not a number", "US") is None
