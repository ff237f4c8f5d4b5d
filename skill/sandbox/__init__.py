"""A local API that answers the official SDKs as Twilio would: the embedded default."""
