"""MCP tools, one module per capability area, each exporting TOOLS."""
