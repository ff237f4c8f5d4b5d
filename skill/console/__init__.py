"""The operator web console: decide pending approval requests and read the audit log.

It runs as its own ASGI app (`twilio-skill console`). Operators log in with their own credential
(`twilio-skill operators create NAME`), never with the MCP HTTP token, so an agent holding that
token still cannot approve anything.
"""
