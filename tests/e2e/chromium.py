"""Headless Chromium for browser tests (Debian's chromium and chromedriver),
and the axe-core accessibility audit from tests/browser (npm ci)."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
)
BROWSER_TOOLS = ROOT / "tests" / "browser"
AXE = BROWSER_TOOLS / "node_modules" / "axe-core" / "axe.min.js"
LOCK = ROOT / "build" / "npm-ci.lock"
NPM_SECONDS = 180
# What an audit may not find: axe's two highest impact levels.
BLOCKING_IMPACTS = {"serious", "critical"}


def start_chromium(profile: Path, width: int, height: int) -> webdriver.Chrome:
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.skip(
            "chromium is not installed: apt-get install chromium chromium-driver"
        )
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        *FLAGS,
        f"--user-data-dir={profile}",
        f"--window-size={width},{height}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(
        options=options, service=Service(executable_path=str(CHROMEDRIVER))
    )
    driver.set_page_load_timeout(60)
    driver.set_script_timeout(60)
    return driver


def axe_source() -> str:
    """axe.min.js, installed from tests/browser/package-lock.json when missing.
    Without npm the audit cannot run: a failure in CI, a skip elsewhere."""
    LOCK.parent.mkdir(parents=True, exist_ok=True)
    # Test workers (xdist) may get here together: one installs, the others
    # wait for it (npm ci empties node_modules first).
    with LOCK.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not AXE.exists():
            _npm_ci()
        return AXE.read_text()


def _npm_ci() -> None:
    npm = shutil.which("npm")
    if npm is None:
        message = "npm is needed to install axe-core (tests/browser): install node"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
        cwd=BROWSER_TOOLS,
        check=True,
        timeout=NPM_SECONDS,
        capture_output=True,
    )


def blocking_violations(driver: webdriver.Chrome, source: str) -> list[str]:
    """Run axe on the page as it is; its serious and critical violations."""
    driver.execute_script(source)
    results = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']})"
        ".then(done, (error) => done({error: String(error)}));"
    )
    assert "error" not in results, results
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at "
        + ", ".join(str(node["target"]) for node in violation["nodes"][:5])
        for violation in results["violations"]
        if violation["impact"] in BLOCKING_IMPACTS
    ]
