"""The Twilio gateway as the core sees it: one Protocol per area (messages, numbers, calls, ...).

skill.gateways implements them with the official SDK; the core imports only these.
"""
