"""The grammar of what twiml_build and the IVR tools take: TwiML verbs and menu parts, field by field."""

from __future__ import annotations

from pydantic import Field

from skill.records.base import Record


class GrammarField(Record):
    name: str = Field(description="Field name, as the JSON object spells it.")
    kind: str = Field(description="Its type and bounds, e.g. 'integer 1-600' or 'one of: dtmf, speech'.")
    required: bool = Field(description="True when it must be given.")
    description: str = Field(description="What it does.")
    default: str | None = Field(default=None, description="Value used when it is left out, if any.")


class GrammarPart(Record):
    part: str = Field(description="The verb (Say, Dial, ...) or menu part (menu, node, option, action).")
    used_in: str = Field(description="Where it goes: which tool and argument.")
    description: str = Field(description="What it does.")
    fields: list[GrammarField] = Field(description="Its fields, required ones first.")
    example: str = Field(description="A JSON example of it.")
