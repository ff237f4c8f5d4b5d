"""Adapters to Twilio and SendGrid: the only code that imports their SDKs."""
