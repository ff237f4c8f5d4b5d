from __future__ import annotations

from skill.redaction import mask_phone, redact


def test_phone_arguments_are_masked_in_any_format() -> None:
    masked = redact({"to": "(415) 555-0199", "from": "415.555.0100", "phone": "whatsapp:+14155550199"})
    assert masked == {"to": "***0199", "from": "***0100", "phone": "whatsapp:+1415***0199"}


def test_short_codes_sender_ids_and_dates_are_left_alone() -> None:
    kept = {"from": "ACME", "number": "12345", "date": "2026-11-27", "sid": "SM" + "1" * 32}
    assert redact(kept) == kept


def test_url_encoded_numbers_in_free_text_are_masked() -> None:
    assert mask_phone("POST /x?To=%2B14155550199&Body=hi") == "POST /x?To=+1415***0199&Body=hi"
