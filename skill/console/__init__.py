"""The operator web console: decide pending approval requests and read the audit log.

It runs as its own ASGI app (`twilio-skill console`) behind an operator token that is separate
from the MCP HTTP token, so an agent holding the MCP token still cannot approve anything.
"""
