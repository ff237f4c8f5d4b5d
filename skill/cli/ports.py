"""A port already taken is one clear line with the fix, not a traceback from the server."""

from __future__ import annotations

import errno
import socket
import sys

from skill.cli.common import err

NEARBY_PORTS = 20


def _bind_error(host: str, port: int) -> OSError | None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # As uvicorn binds: a port held only by closed connections (TIME_WAIT) counts as free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host.strip("[]"), port))
        except OSError as exc:
            return exc
    return None


def free_port_near(host: str, port: int) -> int | None:
    """The first free port after port, within a few, to suggest."""
    for candidate in range(port + 1, min(port + NEARBY_PORTS, 65535) + 1):
        if _bind_error(host, candidate) is None:
            return candidate
    return None


def ensure_port_free(host: str, port: int, *, command: str, make_hint: bool = False) -> None:
    """Exit with one line naming the fix when the server could not listen on host:port."""
    if port == 0:
        return
    problem = _bind_error(host, port)
    if problem is None:
        return
    shown = f"[{host.strip('[]')}]" if ":" in host else host
    if problem.errno == errno.EADDRINUSE:
        other = free_port_near(host, port) or port + 1
        fix = f"start it on another with `twilio-skill {command} --port {other}`"
        if make_hint:
            fix += f" (or `make run PORT={other}`)"
        err(f"twilio-skill: port {port} on {shown} is already in use; {fix}.")
    elif problem.errno == errno.EACCES:
        err(f"twilio-skill: not allowed to listen on port {port}; pick a port above 1023 with --port.")
    else:
        err(f"twilio-skill: cannot listen on {shown}:{port} ({problem.strerror}); check --host and --port.")
    sys.exit(1)
