"""Without Chromium the browser tests skip on a developer's machine, naming the install, and fail in CI."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.console import browser


@pytest.fixture
def no_chromium(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(browser.shutil, "which", lambda name: None)
    monkeypatch.setattr(browser, "PACKAGE_BIN", tmp_path)


def test_a_machine_without_chromium_skips_with_the_install_command(
    no_chromium: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception) as skipped:
        browser.browser_paths()
    assert "apt-get install -y chromium chromium-driver" in str(skipped.value)


def test_ci_without_chromium_fails_instead_of_skipping(no_chromium: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception) as failed:
        browser.browser_paths()
    assert "CI must run the browser tests" in str(failed.value)


def test_the_debian_package_paths_are_found_off_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(browser.shutil, "which", lambda name: None)
    monkeypatch.setattr(browser, "PACKAGE_BIN", tmp_path)
    for name in ("chromium", "chromedriver"):
        (tmp_path / name).touch()
    assert browser.browser_paths() == (str(tmp_path / "chromium"), str(tmp_path / "chromedriver"))
