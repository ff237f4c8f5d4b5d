"""The floor for start-up: a bare low-level MCP server with one tool, over stdio.

bench/startup.py spawns it beside `twilio-skill serve` and compares the two in one run.
"""

from __future__ import annotations

import anyio
from mcp.server.lowlevel import Server
from mcp.server.stdio import stdio_server
from mcp.types import CallToolRequestParams, CallToolResult, ListToolsResult, TextContent, Tool


async def list_tools(ctx: object, params: object) -> ListToolsResult:
    schema = {"type": "object", "properties": {"text": {"type": "string"}}}
    return ListToolsResult(tools=[Tool(name="echo", description="Echo the text.", input_schema=schema)])


async def call_tool(ctx: object, params: CallToolRequestParams) -> CallToolResult:
    text = str((params.arguments or {}).get("text", ""))
    return CallToolResult(content=[TextContent(type="text", text=text)])


async def main() -> None:
    server: Server[object] = Server("bare", on_list_tools=list_tools, on_call_tool=call_tool)  # type: ignore[arg-type]
    async with stdio_server() as (read, write):
        await server.run(read, write, server.create_initialization_options())


if __name__ == "__main__":
    anyio.run(main)
