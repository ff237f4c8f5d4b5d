"""Running the installed `twilio-skill` command under a real pseudo-terminal, as an operator would,
and what hostile text looks like when it reaches one."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import termios
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.e2e.support import SERVER_EXE, child_env

PTY_TIMEOUT = 60.0
COLUMNS = 400
# What an agent puts in a string to take over the operator's screen or forge a line of its own.
PAYLOADS = (
    "\x1b[2J",  # clear the screen
    "\x1b[32mAPPROVED\x1b[0m",  # a green verdict
    "ok\rAPPROVED",  # carriage return: overwrite the line so far
    "\nAPPROVED by security",  # a forged line
    "\u202eevil.exe",  # right-to-left override
    "\u2066isolated\u2069",  # left-to-right isolate
    "zero\u200bwidth\ufeff",  # zero-width space, BOM
    "\x9b31mC1",  # the one-byte CSI of the C1 controls
    "line\u2028separator",
)
HOSTILE = "".join(PAYLOADS)
# Characters no output of ours may carry raw when an agent or Twilio put them in: C0/C1 controls
# (newline, tab and CR are checked apart), bidi controls, zero-width characters and separators.
RAW_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")
FORGED_LINE = re.compile(r"(^|[\r\n])\s*APPROVED", re.MULTILINE)


def raw_controls(text: str) -> list[str]:
    """The raw control, bidi and zero-width characters in text (an empty list when it is safe)."""
    return RAW_CONTROL.findall(text)


@dataclass
class TerminalRun:
    exit_code: int
    output: bytes

    @property
    def text(self) -> str:
        # The terminal turns every \n into \r\n; undo that so only CRs someone wrote remain.
        return self.output.decode("utf-8", errors="replace").replace("\r\n", "\n")


def _set_size(fd: int, rows: int = 50, columns: int = COLUMNS) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))


def run_in_terminal(
    home: Path,
    *args: str,
    timeout: float = PTY_TIMEOUT,
    until: Callable[[bytes], bool] | None = None,
    env: dict[str, str] | None = None,
) -> TerminalRun:
    """Run `twilio-skill args...` with stdin, stdout and stderr on a new pty and collect every byte it
    writes until it exits (or, with `until`, until the output satisfies it; the process is then
    interrupted). Bounded by `timeout` seconds either way."""
    controller, terminal = pty.openpty()
    _set_size(terminal)
    process = subprocess.Popen(
        [str(SERVER_EXE), *args],
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        env=child_env(home, TERM="xterm-256color", COLUMNS=str(COLUMNS), **(env or {})),
        close_fds=True,
        start_new_session=True,
    )
    os.close(terminal)
    output = bytearray()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([controller], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(controller, 65536)
                except OSError:  # EIO: every writer has closed the terminal
                    break
                if not chunk:
                    break
                output.extend(chunk)
                if until is not None and until(bytes(output)):
                    break
            elif process.poll() is not None and not ready:
                break
        else:
            raise TimeoutError(f"twilio-skill {' '.join(args)} wrote {bytes(output)[-500:]!r} and did not finish")
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        os.close(controller)
    return TerminalRun(process.returncode, bytes(output))
