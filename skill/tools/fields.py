"""Field types shared by tool inputs."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints

from skill.core.urls import MAX_URL_LENGTH

AccountSid = Annotated[
    str, StringConstraints(pattern=r"^AC[0-9a-fA-F]{32}$"), Field(description="Account SID (AC...).")
]
Limit = Annotated[int, Field(ge=1, le=1000, description="Most records to return.")]
# A phone number or channel address as given; the core normalises it (it knows the default region).
Phone = Annotated[str, StringConstraints(min_length=1, max_length=64)]
# A URL Twilio fetches or posts to; the core checks it further (skill.core.urls.check_twilio_url).
HttpUrl = Annotated[str, StringConstraints(pattern=r"^https?://\S+$", max_length=MAX_URL_LENGTH)]
MessageSid = Annotated[
    str, StringConstraints(pattern=r"^(SM|MM)[0-9a-fA-F]{32}$"), Field(description="Message SID (SM... or MM...).")
]
# No description of its own: it is often optional, and each field says what the service is for.
ServiceSid = Annotated[str, StringConstraints(pattern=r"^MG[0-9a-fA-F]{32}$")]
NumberSid = Annotated[
    str,
    StringConstraints(pattern=r"^PN[0-9a-fA-F]{32}$"),
    Field(description="Phone number SID (PN...), from numbers_list."),
]

# Lists: every list tool takes limit and cursor, and time filters are after / before, whatever Twilio calls them.
Cursor = Annotated[
    str, StringConstraints(min_length=1, max_length=512), Field(description="next_cursor of the previous page.")
]
After = Annotated[datetime, Field(description="Only those at or after this ISO 8601 time.")]
Before = Annotated[datetime, Field(description="Only those before this ISO 8601 time.")]
