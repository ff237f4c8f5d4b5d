"""The secret sink: where a newly created API key secret goes, so it never travels in a result.

The default sink is an env file (`secrets.env` under the skill's home) that only its owner can
read. It is created with mode 0600 in the same system call that creates it, so there is no moment
at which it is readable by others, and it is put back to 0600 whenever a line is appended.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9_]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def env_var_name(key_sid: str) -> str:
    """The variable a key's secret is stored under, e.g. TWILIO_API_KEY_SK0123..."""
    return "TWILIO_API_KEY_" + _UNSAFE_NAME.sub("_", key_sid)


class SecretSink:
    """An append-only env file with owner-only permissions."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _open(self) -> int:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        fd = os.open(self.path, flags, FILE_MODE)
        # An existing file may have been loosened by hand; tighten it before writing anything.
        os.fchmod(fd, FILE_MODE)
        return fd

    def ensure_writable(self) -> None:
        """Create the file (0600) if needed and prove it can be written, before any secret exists.

        Raises:
            OSError: the file or its folder cannot be created or opened for writing.
        """
        os.close(self._open())

    def store(self, key_sid: str, secret: str, *, friendly_name: str | None, now: datetime | None = None) -> str:
        """Append the secret as one env line with a comment above it; returns the variable name.

        Raises:
            OSError: the file cannot be written.
        """
        name = env_var_name(key_sid)
        when = (now or datetime.now(UTC)).isoformat(timespec="seconds")
        label = _CONTROL.sub(" ", friendly_name or "(no name)")
        text = f"# {label}, created {when}\n{name}={secret}\n"
        fd = self._open()
        try:
            pending = memoryview(text.encode())
            while pending:
                pending = pending[os.write(fd, pending) :]
        finally:
            os.close(fd)
        return name

    def holds(self, key_sid: str) -> bool:
        """Whether the sink has a line for this key (False when the file cannot be read)."""
        prefix = env_var_name(key_sid) + "="
        try:
            with self.path.open() as lines:
                return any(line.startswith(prefix) for line in lines)
        except OSError:
            return False

    def forget(self, key_sid: str) -> bool:
        """Remove a key's line (and the comment above it); True when there was one to remove.

        The file is rewritten beside itself with mode 0600 and swapped in atomically.

        Raises:
            OSError: the file cannot be read or replaced.
        """
        try:
            lines = self.path.read_text().splitlines(keepends=True)
        except FileNotFoundError:
            return False
        prefix = env_var_name(key_sid) + "="
        kept: list[str] = []
        removed = False
        for line in lines:
            if line.startswith(prefix):
                removed = True
                if kept and kept[-1].startswith("#"):
                    kept.pop()
                continue
            kept.append(line)
        if not removed:
            return False
        temporary = self.path.with_name(self.path.name + ".tmp")
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(temporary, flags, FILE_MODE)
        try:
            os.fchmod(fd, FILE_MODE)
            pending = memoryview("".join(kept).encode())
            while pending:
                pending = pending[os.write(fd, pending) :]
        finally:
            os.close(fd)
        os.replace(temporary, self.path)
        return True


def read_secret(path: Path, name: str) -> str | None:
    """The last value stored under `name` in an env file, or None (no file, no such line)."""
    try:
        lines = path.read_text().splitlines()
    except (FileNotFoundError, NotADirectoryError, PermissionError):
        return None
    found = None
    for line in lines:
        key, sep, value = line.partition("=")
        if sep and key.strip() == name:
            found = value.strip()
    return found or None
