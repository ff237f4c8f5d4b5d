"""Twilio MessagingServices API calls (being written)."""

from __future__ import annotations

from skill.gateways.area import Area


class MessagingServices(Area):
    pass
