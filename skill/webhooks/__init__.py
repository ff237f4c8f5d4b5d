"""The webhook receiver for Twilio and SendGrid callbacks (`twilio-skill webhooks`)."""
