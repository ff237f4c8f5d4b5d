"""Typed records, each defined once: what a thing is, as it flows from an adapter (a gateway, a store)
through the core to a tool's result, the CLI or the console. Records import nothing but pydantic and
each other."""
