"""Compact copies of the upstream references the tests read, so a clone tests itself anywhere.

See README.md beside this file for what each file holds, where it comes from and its license;
`python -m tests.reference.build --source ../shared/reference` regenerates them.
"""

from __future__ import annotations

import gzip
import json
from functools import cache
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESPONSES_FILE = "openapi-responses.json.gz"
ERROR_TITLES_FILE = "twilio-error-titles.json"


@cache
def openapi_specs() -> dict[str, dict[str, Any]]:
    """Every spec's compact form by upstream file name, e.g. 'twilio-oai/twilio_api_v2010.json'."""
    data = json.loads(gzip.decompress((HERE / RESPONSES_FILE).read_bytes()))
    return data["specs"]  # type: ignore[no-any-return]


@cache
def error_titles() -> dict[int, str]:
    """Twilio's title (the catalogue's `message`) for every code in its error catalogue."""
    titles = json.loads((HERE / ERROR_TITLES_FILE).read_text(encoding="utf-8"))
    return {int(code): title for code, title in titles.items()}
