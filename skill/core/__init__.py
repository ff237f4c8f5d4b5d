"""Service functions, one module per capability area; pure of MCP."""
