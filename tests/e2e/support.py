"""Helpers for tests that run the installed `twilio-skill` command as a separate process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn
from mcp import Client, StdioServerParameters
from starlette.types import ASGIApp

SERVER_EXE = Path(sys.executable).parent / "twilio-skill"
PROCESS_TIMEOUT = 60
CREDENTIAL_VARIABLES = ("SENDGRID_API_KEY",)


def child_env(home: Path, **extra: str) -> dict[str, str]:
    """This process's environment without any Twilio credentials or skill settings, on the given home."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("TWILIO_") and key not in CREDENTIAL_VARIABLES
    }
    env["TWILIO_SKILL_HOME"] = str(home)
    env.update(extra)
    return env


def stdio_server(home: Path, *args: str, **extra_env: str) -> Client:
    """An MCP client that spawns `twilio-skill [args] serve` over stdio on the given home."""
    # The stdio client merges env over a minimal default environment, which has no TWILIO_* variables.
    params = StdioServerParameters(
        command=str(SERVER_EXE), args=[*args, "serve"], env={"TWILIO_SKILL_HOME": str(home), **extra_env}
    )
    return Client(params)


def run_cli(home: Path, *args: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
    """Run `twilio-skill args...` to completion, bounded in time."""
    return subprocess.run(
        [str(SERVER_EXE), *args],
        env=child_env(home, **extra_env),
        capture_output=True,
        text=True,
        timeout=PROCESS_TIMEOUT,
        check=False,
    )


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = PROCESS_TIMEOUT) -> None:
    """Return once something accepts connections on the port; fail if the process exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "the process exited before listening"
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listened on port {port} within {timeout} s")


@contextmanager
def listening(home: Path, port: int, log: Path, *args: str) -> Iterator[subprocess.Popen[bytes]]:
    """Run `twilio-skill args...` until it listens on port; stdout and stderr go to log. Stopped on exit."""
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(SERVER_EXE), *args],
            env=child_env(home),
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for_port(port, process)
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


@contextmanager
def serving_in_thread(app: ASGIApp, timeout: float = 20.0) -> Iterator[int]:
    """`app` under uvicorn (its lifespan run) in a thread on a free loopback port; yields the port."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=timeout)
