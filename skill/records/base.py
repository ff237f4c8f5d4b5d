"""The base of every record: no schema titles, names on the wire as their aliases, unknown fields refused."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Record(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")
