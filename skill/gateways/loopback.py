"""The embedded sandbox served over real loopback HTTP, for SDKs that cannot take an in-process transport.

The SendGrid SDK speaks urllib, so it needs a socket: the sandbox ASGI app is served by uvicorn on
127.0.0.1 with an ephemeral port, in a daemon thread with its own event loop.
"""

from __future__ import annotations

import socket
import threading
import time
from typing import TYPE_CHECKING

from skill.errors import ConfigError

if TYPE_CHECKING:
    import uvicorn
    from starlette.types import ASGIApp


class LoopbackServer:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.base_url = ""
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self, timeout: float) -> str:
        """Serve the app and wait, at most `timeout` seconds, until it accepts connections.

        Raises:
            ConfigError: the server did not start in time.
        """
        import uvicorn

        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        config = uvicorn.Config(self.app, log_config=None, access_log=False, lifespan="off", log_level="warning")
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="sandbox-loopback", daemon=True)
        thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                server.should_exit = True
                sock.close()
                raise ConfigError(
                    f"The embedded sandbox did not start on 127.0.0.1 within {timeout:.0f} seconds.",
                    code="config.sandbox_unavailable",
                    remediation=[
                        "Run `twilio-skill sandbox` in another terminal and set TWILIO_SKILL_SANDBOX_URL to its URL.",
                    ],
                )
            time.sleep(0.01)
        self._server, self._thread = server, thread
        self.base_url = f"http://127.0.0.1:{port}"
        return self.base_url

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the server to exit and wait, at most `timeout` seconds, for its thread."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
        self._server = self._thread = None
