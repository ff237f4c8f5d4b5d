"""Headless Chromium (Debian's `chromium` and `chromium-driver`) driving a console served on loopback.

Outside CI a machine without Chromium skips these tests with the command that installs it; in CI
(`CI=true`) a missing browser fails them.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import uvicorn
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.ui import WebDriverWait
from starlette.types import ASGIApp

ARTIFACTS = Path(__file__).resolve().parents[2] / ".artifacts" / "console"
INSTALL_COMMAND = "apt-get install -y chromium chromium-driver"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)
WAIT_SECONDS = 15.0
START_SECONDS = 20.0
WIDTHS = (390, 1280)
SCREEN_HEIGHT = 900
MAX_SHOT_HEIGHT = 4000


PACKAGE_BIN = Path("/usr/bin")


def installed(name: str) -> str | None:
    """A program on PATH, or where the Debian package puts it."""
    return shutil.which(name) or (str(PACKAGE_BIN / name) if (PACKAGE_BIN / name).exists() else None)


def browser_paths() -> tuple[str, str]:
    """(chromium, chromedriver) from the Debian packages; skips outside CI, fails in CI, when missing."""
    chromium, driver = installed("chromium"), installed("chromedriver")
    if chromium and driver:
        return chromium, driver
    reason = f"headless Chromium is not installed; install it with `{INSTALL_COMMAND}` (or `make browser-deps`)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason}. CI must run the browser tests.")
    pytest.skip(reason)


def start_chromium(profile: Path) -> webdriver.Chrome:
    """Chromium on a fresh profile, with every wait inside it bounded."""
    chromium, chromedriver = browser_paths()
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--window-size={WIDTHS[1]},{SCREEN_HEIGHT}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(chromedriver))
    driver.set_page_load_timeout(WAIT_SECONDS * 2)
    driver.set_script_timeout(WAIT_SECONDS)
    return driver


def wait(driver: webdriver.Chrome) -> WebDriverWait[webdriver.Chrome]:
    return WebDriverWait(driver, WAIT_SECONDS, poll_frequency=0.1)


def set_width(driver: webdriver.Chrome, width: int, height: int = SCREEN_HEIGHT) -> None:
    """The viewport as a phone (390 px, mobile) or a laptop (1280 px) shows it."""
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600},
    )


def overflow(driver: webdriver.Chrome) -> tuple[int, int]:
    """(scrollWidth of the document, innerWidth): the page fits when the first is not larger."""
    scroll, inner = driver.execute_script("return [document.scrollingElement.scrollWidth, window.innerWidth]")
    return int(scroll), int(inner)


def shoot(driver: webdriver.Chrome, name: str) -> Path:
    """The whole page (up to a cap) as a PNG under .artifacts/console/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    width = int(driver.execute_script("return window.innerWidth"))
    height = int(driver.execute_script("return document.scrollingElement.scrollHeight"))
    set_width(driver, width, min(max(height, SCREEN_HEIGHT), MAX_SHOT_HEIGHT))
    path = ARTIFACTS / f"{name}.png"
    driver.save_screenshot(str(path))
    set_width(driver, width)
    return path


def check_both_widths(driver: webdriver.Chrome, name: str) -> None:
    """At 390 px and at 1280 px: no horizontal overflow, and a screenshot of each."""
    for width in WIDTHS:
        set_width(driver, width)
        scroll, inner = overflow(driver)
        shoot(driver, f"{name}-{width}")
        assert inner == width
        assert scroll <= inner, f"{name} overflows at {width} px: {scroll} > {inner}"
    set_width(driver, WIDTHS[1])


class LiveServer:
    """An ASGI app served by uvicorn on a loopback port, in a thread of this process."""

    def __init__(self, app: ASGIApp, port: int) -> None:
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, log_level="warning", ws="none")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.base = f"http://127.0.0.1:{port}"

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + START_SECONDS
        while not self.server.started:
            assert self.thread.is_alive(), "the console stopped before it listened"
            assert time.monotonic() < deadline, "the console did not start in time"
            time.sleep(0.05)
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=START_SECONDS)


@contextmanager
def page_server(html: str, port: int) -> Iterator[str]:
    """A plain web page served on another loopback port (another origin, same site); yields its URL."""
    body = html.encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("content-type", "text/html; charset=utf-8")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=START_SECONDS)
