"""Field types shared by tool inputs."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

AccountSid = Annotated[
    str, StringConstraints(pattern=r"^AC[0-9a-fA-F]{32}$"), Field(description="Account SID (AC...).")
]
Limit = Annotated[int, Field(ge=1, le=1000, description="Most records to return.")]
