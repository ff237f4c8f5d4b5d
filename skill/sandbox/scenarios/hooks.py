"""The customer's application, as far as a scenario needs one: webhook endpoints under
/_sandbox/hooks/NAME that answer TwiML, an error, or an empty 204, as the scenario set them.

A scenario points a number at one of them; webhook_probe and the sandbox's own callbacks reach
them over HTTP. An operator action in a scenario may change what one answers (the app is fixed).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

if TYPE_CHECKING:
    from skill.sandbox.app import Sandbox

PREFIX = "/_sandbox/hooks/"
MESSAGING_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
VOICE_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response><Say>Thanks for calling.</Say></Response>'
BROKEN_IVR = (
    '<?xml version="1.0" encoding="UTF-8"?><Response><Gather input="dtmf" numDigits="1" action="/ivr/choice">'
    "<Sya>Press 1 for sales, 2 for support.</Sya></Gather></Response>"
)
IVR_MENU = (
    '<?xml version="1.0" encoding="UTF-8"?><Response><Gather input="dtmf" numDigits="1" '
    'action="{base}/_sandbox/hooks/ivr-choice" timeout="5"><Say>Press 1 for sales, 2 for support.</Say></Gather>'
    "<Say>We did not get a choice.</Say><Redirect>{base}/_sandbox/hooks/ivr-main</Redirect></Response>"
)
# name -> (status, body, content type); "{base}" in a body becomes the sandbox's base URL.
ANSWERS: dict[str, tuple[int, str, str]] = {
    "broken-ivr": (200, BROKEN_IVR, "text/xml"),
    "ivr-menu": (200, IVR_MENU, "text/xml"),
    "sms": (200, MESSAGING_TWIML, "text/xml"),
    "voice": (200, VOICE_TWIML, "text/xml"),
    "status": (204, "", "text/plain"),
    "error": (500, "<html><body>Internal Server Error</body></html>", "text/html"),
    "bad-gateway": (502, "<html><body>Bad Gateway</body></html>", "text/html"),
}


def hook_url(sandbox: Sandbox, name: str) -> str:
    return f"{sandbox.hooks_base.rstrip('/')}{PREFIX}{name}"


def set_hook(sandbox: Sandbox, name: str, answer: str) -> str:
    """Make /_sandbox/hooks/NAME answer as `answer` (a key of ANSWERS); its URL."""
    if answer not in ANSWERS:
        raise ValueError(f"unknown hook answer {answer!r}")
    sandbox.hooks[name] = answer
    return hook_url(sandbox, name)


def hook_fails(sandbox: Sandbox, url: str) -> bool:
    """Whether a URL is one of this sandbox's app endpoints and answers an error (a missing one too)."""
    start = sandbox.hooks_base.rstrip("/") + PREFIX
    if not url.startswith(start):
        return False
    answer = sandbox.hooks.get(url[len(start) :])
    return answer is None or ANSWERS[answer][0] >= 400


def routes(sandbox: Sandbox) -> list[Route]:
    async def answer(request: Request) -> Response:
        behaviour = sandbox.hooks.get(request.path_params["name"])
        if behaviour is None:
            return Response("Not Found", status_code=404, media_type="text/plain")
        status, body, media = ANSWERS[behaviour]
        return Response(
            body.replace("{base}", sandbox.hooks_base.rstrip("/")) or None, status_code=status, media_type=media
        )

    return [Route(PREFIX + "{name}", answer, methods=["GET", "POST"])]
