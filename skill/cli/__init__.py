"""The operator command line: `twilio-skill serve`, `approvals`, `audit`, `tools`, `errors`, `doctor`, `sandbox`."""
