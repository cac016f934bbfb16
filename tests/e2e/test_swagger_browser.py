"""Swagger UI in headless Chromium against the real server.

Opens /apidoc/swagger, finds every documented operation on the page, runs
"Try it out" on GET /healthz, logs in through POST /api/v1/sessions (the
browser keeps the HttpOnly cookie) and runs GET /api/v1/users/me with it, then
uploads a file through the page's file picker and lists it.
Leaves a screenshot at build/swagger.png.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from tests import samples
from tests.e2e.chromium import ROOT
from tests.e2e.chromium import start_chromium
from tests.helpers import PASSWORD

SCREENSHOT = ROOT / "build" / "swagger.png"
WAIT_SECONDS = 30


@pytest.fixture
def browser(tmp_path):
    driver = start_chromium(tmp_path / "profile", 1280, 1600)
    try:
        yield driver
    finally:
        driver.quit()


def _operation(browser, operation_id: str, tag: str) -> WebElement:
    """Expand an operation and return its block."""
    block = browser.find_element(By.ID, f"operations-{tag}-{operation_id}")
    if "is-open" not in block.get_attribute("class"):
        block.find_element(By.CSS_SELECTOR, ".opblock-summary-control").click()
    return block


def _try_it_out(
    browser, block: WebElement, body: dict | None = None, file: Path | None = None
) -> tuple:
    """Click "Try it out", fill the body or pick the file, execute; the live
    (status, body)."""
    wait = WebDriverWait(browser, WAIT_SECONDS)
    wait.until(lambda _: block.find_elements(By.CSS_SELECTOR, ".try-out__btn"))
    block.find_element(By.CSS_SELECTOR, ".try-out__btn").click()
    if file is not None:
        picker = wait.until(
            lambda _: block.find_element(By.CSS_SELECTOR, "input[type=file]")
        )
        picker.send_keys(str(file))
    if body is not None:
        editor = wait.until(
            lambda _: block.find_element(By.CSS_SELECTOR, "textarea.body-param__text")
        )
        editor.send_keys(Keys.CONTROL, "a")
        editor.send_keys(Keys.DELETE)
        editor.send_keys(json.dumps(body))
    block.find_element(By.CSS_SELECTOR, "button.execute").click()
    status = wait.until(
        lambda _: block.find_element(
            By.CSS_SELECTOR, ".live-responses-table tr.response .response-col_status"
        )
    )
    text = block.find_element(
        By.CSS_SELECTOR, ".live-responses-table tr.response .highlight-code pre"
    ).text
    return status.text.strip(), text


def test_swagger_ui_lists_every_operation_and_tries_them_out(server, browser, tmp_path):
    base = server.base_url
    document = requests.get(f"{base}/api/v1/openapi.json", timeout=10).json()
    documented = {
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
    }
    email = "swagger@example.com"
    account = {"email": email, "password": PASSWORD}
    assert requests.post(f"{base}/api/v1/users", json=account).status_code == 201

    browser.get(f"{base}/apidoc/swagger")
    blocks = WebDriverWait(browser, WAIT_SECONDS).until(
        lambda b: (
            b.find_elements(By.CSS_SELECTOR, ".opblock")
            if len(b.find_elements(By.CSS_SELECTOR, ".opblock")) >= len(documented)
            else False
        )
    )
    listed = {
        (
            block.find_element(By.CSS_SELECTOR, ".opblock-summary-method").text,
            # Deprecated operations get another class; both carry data-path.
            block.find_element(By.CSS_SELECTOR, "[data-path]").get_attribute(
                "data-path"
            ),
        )
        for block in blocks
    }
    assert listed == documented

    health = _operation(browser, "getHealth", "health")
    status, body = _try_it_out(browser, health)
    assert status == "200"
    assert json.loads(body) == {"status": "ok"}

    login = _operation(browser, "createSession", "sessions")
    status, body = _try_it_out(browser, login, account)
    assert status == "200", body
    assert json.loads(body)["token"]
    # The browser now holds the HttpOnly session cookie; the next call uses it.
    assert {cookie["name"] for cookie in browser.get_cookies()} == {"auth_token"}

    me = _operation(browser, "getCurrentUser", "accounts")
    status, body = _try_it_out(browser, me)
    assert status == "200", body
    assert json.loads(body)["email"] == email

    # Upload a file from the page's file picker, then see it listed.
    photo = tmp_path / "photo.png"
    photo.write_bytes(samples.png_bytes())
    upload = _operation(browser, "uploadImage", "images")
    status, body = _try_it_out(browser, upload, file=photo)
    assert status == "201", body
    image = json.loads(body)
    assert (image["format"], image["name"]) == ("png", "photo.png")
    listing = _operation(browser, "listImages", "images")
    status, body = _try_it_out(browser, listing)
    assert status == "200", body
    assert [item["id"] for item in json.loads(body)["items"]] == [image["id"]]

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    browser.execute_script("arguments[0].scrollIntoView()", me)
    assert browser.save_screenshot(str(SCREENSHOT))
