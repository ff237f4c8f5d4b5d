"""The MCP surface: the tool registry, the server factory, dispatch."""
