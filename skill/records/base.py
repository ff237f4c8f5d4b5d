"""The base of every record: no schema titles, names on the wire as their aliases, unknown fields refused."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self

from pydantic import BaseModel, ConfigDict


class Record(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid", defer_build=True)

    @classmethod
    def from_api(cls, raw: Mapping[str, Any]) -> Self:
        """The record from a provider's resource (a dict under the API's own names): the fields this
        record has are picked, the rest ignored; values are coerced as the fields' types say."""
        picked = {field.alias or name: raw.get(field.alias or name) for name, field in cls.model_fields.items()}
        return cls.model_validate({key: value for key, value in picked.items() if value is not None})
