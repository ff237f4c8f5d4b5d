"""Files the server writes for an agent, always in one folder and under names the server picks.

No agent chooses where a file goes: an export lands in `<home>/exports/` (created 0700, refused when
it is a symlink, not a folder, or owned by someone else), under a name built from a validated
resource SID and the time. The file is created with O_EXCL and O_NOFOLLOW (mode 0600) relative to
the folder's own descriptor, so nothing that exists is ever replaced, and a symlink planted under
that name, or in place of the folder, is never followed.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
from datetime import UTC, datetime
from pathlib import Path

from skill.errors import ConfigError

EXPORTS_DIR = "exports"
DIR_MODE = 0o700
FILE_MODE = 0o600
# Names tried when the first is taken (two exports in the same second, or a planted file).
NAME_ATTEMPTS = 20
_SID = re.compile(r"^[A-Z]{2}[0-9a-fA-F]{32}$")
_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_O_DIRECTORY = getattr(os, "O_DIRECTORY", 0)


def exports_folder(home: Path) -> Path:
    """Where exports go: <home>/exports."""
    return home.expanduser() / EXPORTS_DIR


def export_name(sid: str, label: str, moment: datetime, attempt: int = 0) -> str:
    """The file name of an export: SID, a label such as r3, a UTC timestamp, a counter after a clash.

    Raises:
        ValueError: sid is not a Twilio SID, or label is not lowercase letters and digits (the name
            is built from nothing else, so it can hold no path separator or dot-dot).
    """
    if not _SID.match(sid) or not re.fullmatch(r"[a-z0-9]{1,16}", label):
        raise ValueError(f"not a SID and label for a file name: {sid!r}, {label!r}")
    stamp = moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    suffix = f"-{attempt}" if attempt else ""
    return f"{sid}-{label}-{stamp}{suffix}.json"


def _unusable(folder: Path, why: str) -> ConfigError:
    return ConfigError(
        f"The exports folder {folder} cannot be used: {why}. Nothing was written.",
        code="config.exports_folder_unusable",
        remediation=[
            "Call the tool again without save to get the result inline.",
            f"An operator can remove or fix {folder} (a real folder owned by this user, mode 0700).",
        ],
    )


def _open_folder(home: Path) -> int:
    """A descriptor on <home>/exports, created 0700 if missing, never reached through a symlink.

    Raises:
        ConfigError: config.exports_folder_unusable.
    """
    home = home.expanduser()
    folder = exports_folder(home)
    try:
        home.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        home_fd = os.open(home, os.O_RDONLY | _O_DIRECTORY | _O_CLOEXEC)  # the operator's choice: followed
    except OSError as exc:
        raise _unusable(folder, f"its parent cannot be opened ({exc.strerror})") from None
    try:
        with contextlib.suppress(FileExistsError):
            os.mkdir(EXPORTS_DIR, DIR_MODE, dir_fd=home_fd)
        folder_fd = os.open(EXPORTS_DIR, os.O_RDONLY | _O_DIRECTORY | _O_NOFOLLOW | _O_CLOEXEC, dir_fd=home_fd)
    except OSError as exc:
        # ELOOP: a symlink in its place; ENOTDIR: a file.
        raise _unusable(folder, f"it is not a plain folder ({exc.strerror})") from None
    finally:
        os.close(home_fd)
    info = os.fstat(folder_fd)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        os.close(folder_fd)
        raise _unusable(folder, "it belongs to another user")
    if stat.S_IMODE(info.st_mode) != DIR_MODE:
        os.fchmod(folder_fd, DIR_MODE)  # loosened by hand, or made by an older version
    return folder_fd


def _create(folder_fd: int, sid: str, label: str, moment: datetime) -> tuple[int, str]:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_NOFOLLOW | _O_CLOEXEC
    for attempt in range(NAME_ATTEMPTS):
        name = export_name(sid, label, moment, attempt)
        try:
            return os.open(name, flags, FILE_MODE, dir_fd=folder_fd), name
        except FileExistsError:
            continue  # something, perhaps a planted symlink, holds the name: never touch it
        except OSError as exc:
            raise _write_failed(exc) from None
    raise ConfigError(
        f"Every export name for {sid} at this time is taken; nothing was written.",
        code="config.export_name_taken",
        remediation=["Call the tool again in a second, or without save to get the result inline."],
    )


def _write_failed(exc: OSError) -> ConfigError:
    return ConfigError(
        f"Writing the export failed ({exc.strerror}); nothing was kept.",
        code="config.export_write_failed",
        remediation=["Check the free space and permissions of the skill's home, or call the tool again without save."],
    )


def write_export(home: Path, *, sid: str, label: str, text: str, moment: datetime | None = None) -> Path:
    """Write text to a new file in <home>/exports and return its path.

    Raises:
        ConfigError: config.exports_folder_unusable, config.export_name_taken, or
            config.export_write_failed (the disk said no; a partial file is removed).
    """
    when = moment or datetime.now(UTC)
    folder_fd = _open_folder(home)
    try:
        fd, name = _create(folder_fd, sid, label, when)
        try:
            pending = memoryview(text.encode("utf-8"))
            while pending:
                pending = pending[os.write(fd, pending) :]
            os.fsync(fd)
        except OSError as exc:
            os.close(fd)
            os.unlink(name, dir_fd=folder_fd)
            raise _write_failed(exc) from None
        os.close(fd)
    finally:
        os.close(folder_fd)
    return exports_folder(home) / name
