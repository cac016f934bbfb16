"""The web gallery in headless Chromium against the real server.

One user's whole visit: a wrong password, registration, uploads through the
file picker with progress bars, the grid, a tag filter in the page URL, the
large view with keyboard navigation and in-place tag editing, the transform
playground (its copied URL loaded), deletion, usage and API keys, logging
out; an administrator's page; every page audited by axe-core (no serious or
critical violation) and, at 390 px wide, without horizontal scrolling.
Screenshots of the main pages are left in build/gallery/.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import unquote

import pytest
import requests
from selenium.common.exceptions import StaleElementReferenceException
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from tests import live_clients
from tests import samples
from tests.e2e.admin import create_admin
from tests.e2e.chromium import ROOT
from tests.e2e.chromium import axe_source
from tests.e2e.chromium import blocking_violations
from tests.e2e.chromium import start_chromium
from tests.helpers import PASSWORD
from tests.live_clients import logged_in
from tests.live_clients import sign_up

SCREENSHOTS = ROOT / "build" / "gallery"
WAIT_SECONDS = 30
USER = "ada@example.com"
ADMIN = "root@example.com"
IMAGES_ON_PHONE = 61


@pytest.fixture
def server_env() -> dict[str, str]:
    """Quotas to show against (0, the default, means none), and a single
    sign-on provider to offer (only listed: nothing here contacts it)."""
    provider = {"issuer": "http://127.0.0.1:9", "client_id": "gallery"}
    return {
        "IMAGEAPI_QUOTAS_MAX_STORAGE_BYTES": "50000000",
        "IMAGEAPI_QUOTAS_MAX_IMAGES": "100",
        "IMAGEAPI_AUTH_OIDC_PROVIDERS": json.dumps(
            {"corp": {**provider, "display_name": "Corp SSO"}}
        ),
    }


@pytest.fixture
def browser(tmp_path):
    driver = start_chromium(tmp_path / "profile", 1280, 1000)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def axe() -> str:
    return axe_source()


def wait(driver, condition, seconds: int = WAIT_SECONDS):
    # The page re-renders as it goes: an element may go stale between looks.
    try:
        return WebDriverWait(
            driver, seconds, ignored_exceptions=(StaleElementReferenceException,)
        ).until(condition)
    except TimeoutException as error:
        state = page_state(driver)
        raise AssertionError(f"timed out; the page then: {state}") from error


def page_state(driver) -> dict:
    """What a failed wait saw: where the page is, what it shows, what the
    browser logged."""
    return {
        "url": driver.current_url,
        "tiles": tiles(driver),
        "view": driver.execute_script(
            "return document.getElementById('view')?.innerText.slice(0, 600)"
        ),
        "console": driver.get_log("browser"),
    }


def post_png(
    session: requests.Session, base: str, name: str, png: bytes, tags: tuple = ()
) -> str:
    """Upload ``png`` beside the browser; the new image's id."""
    created = live_clients.upload(session, base, png, name=name, tags=tags)
    assert created.status_code == 201, created.text
    return created.json()["id"]


def visible(driver, css: str):
    return wait(
        driver,
        lambda d: next(
            (e for e in d.find_elements(By.CSS_SELECTOR, css) if e.is_displayed()),
            False,
        ),
    )


def audit(driver, axe: str, page: str) -> None:
    assert blocking_violations(driver, axe) == [], page


def screenshot(driver, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    assert driver.save_screenshot(str(SCREENSHOTS / f"{name}.png"))


def log_in(driver, email: str, register: bool = False) -> None:
    visible(driver, "#login-email").send_keys(email)
    driver.find_element(By.ID, "login-password").send_keys(PASSWORD)
    button = "#register-button" if register else "#login-form button[type=submit]"
    driver.find_element(By.CSS_SELECTOR, button).click()
    visible(driver, "#nav")


def samples_on_disk(folder: Path) -> list[Path]:
    folder.mkdir()
    files = []
    for index, (width, height) in enumerate(((320, 240), (200, 300), (256, 256))):
        path = folder / f"photo-{index}.png"
        path.write_bytes(samples.png_bytes(width, height))
        files.append(path)
    return files


def upload(driver, files: list[Path], tags: str, refused: int = 0) -> list[str]:
    """Pick files, wait until each is done; the words of each refusal."""
    before = len(driver.find_elements(By.CSS_SELECTOR, ".uploads li"))
    tag_input = driver.find_element(By.ID, "upload-tags")
    tag_input.clear()
    tag_input.send_keys(tags)
    driver.find_element(By.ID, "upload-files").send_keys("\n".join(map(str, files)))

    def finished(d):
        """(refusals,) once every file is uploaded or refused, else None."""
        rows = d.find_elements(By.CSS_SELECTOR, ".uploads li")[before:]
        states = [row.find_element(By.CSS_SELECTOR, ".state") for row in rows]
        classes = [state.get_attribute("class") for state in states]
        if len(rows) < len(files) or not all(
            "done" in names or "error" in names for names in classes
        ):
            return None
        pairs = zip(states, classes, strict=True)
        return ([state.text for state, names in pairs if "error" in names],)

    (errors,) = wait(driver, finished)
    assert len(errors) == refused, errors
    uploaded = [
        row
        for row in driver.find_elements(By.CSS_SELECTOR, ".uploads li")[before:]
        if row.find_element(By.CSS_SELECTOR, ".state").text == "uploaded"
    ]
    assert len(uploaded) == len(files) - refused
    for row in uploaded:
        assert row.find_element(By.TAG_NAME, "progress").get_attribute("value") == "1"
    return errors


def tiles(driver) -> list[str]:
    """The grid's images, by their alt text (the image names)."""
    return driver.execute_script(
        "return [...document.querySelectorAll('#grid .tile img')].map((i) => i.alt);"
    )


def thumbnails_loaded(driver) -> bool:
    return driver.execute_script(
        "const images = [...document.querySelectorAll('#grid img')];"
        "return images.length > 0"
        " && images.every((i) => i.complete && i.naturalWidth > 0);"
    )


def thumbnails_loaded_on_screen(driver) -> bool:
    return driver.execute_script(
        "const images = [...document.querySelectorAll('#grid img')]"
        ".filter((i) => i.getBoundingClientRect().top < innerHeight);"
        "return images.length > 0"
        " && images.every((i) => i.complete && i.naturalWidth > 0);"
    )


def no_horizontal_scroll(driver) -> bool:
    return driver.execute_script(
        "return document.documentElement.scrollWidth <= window.innerWidth;"
    )


def test_gallery_visit_from_registration_to_logout(
    server, browser, axe, tmp_path, clean_database
):
    base = server.base_url
    create_admin(server, clean_database, ADMIN)
    browser.get(f"{base}/")
    visible(browser, "#login-form")
    # The audit can fail: an image without alt text is a critical violation.
    browser.execute_script(
        "const probe = document.createElement('img'); probe.id = 'probe';"
        "probe.src = 'data:,'; document.body.append(probe);"
    )
    assert any("image-alt" in found for found in blocking_violations(browser, axe))
    browser.execute_script("document.getElementById('probe').remove()")
    audit(browser, axe, "login")
    screenshot(browser, "login")

    # A wrong password is said in words.
    browser.find_element(By.ID, "login-email").send_keys(ADMIN)
    browser.find_element(By.ID, "login-password").send_keys("not the password")
    browser.find_element(By.CSS_SELECTOR, "#login-form button[type=submit]").click()
    message = visible(browser, "#login-message")
    assert "Wrong email or password" in message.text
    browser.find_element(By.ID, "login-email").clear()
    browser.find_element(By.ID, "login-password").clear()

    log_in(browser, USER, register=True)
    visible(browser, "#grid-end")
    assert {c["name"] for c in browser.get_cookies()} == {"auth_token"}

    # Several files at once through the picker, each with its progress bar.
    photos = samples_on_disk(tmp_path / "photos")
    upload(browser, photos[:2], "sea, summer")
    # A file that is not an image is refused in words; the others go on.
    bogus = tmp_path / "notes.png"
    bogus.write_text("not an image at all")
    errors = upload(browser, [photos[2], bogus], "hill", refused=1)
    assert errors[0].startswith("Not an image"), errors
    wait(browser, lambda d: sorted(tiles(d)) == [p.name for p in photos])
    wait(browser, thumbnails_loaded)
    srcset = browser.find_element(By.CSS_SELECTOR, "#grid img").get_attribute("srcset")
    assert srcset.count("w,") >= 2 and "width=160" in srcset
    assert (
        browser.find_element(By.CSS_SELECTOR, "#grid img").get_attribute("loading")
        == "lazy"
    )
    audit(browser, axe, "grid")
    screenshot(browser, "grid")

    # Filter by a tag: the page URL carries it, and the grid follows.
    browser.find_element(By.XPATH, "//summary[text()='Filter']").click()
    tags = visible(browser, ".filters input[name=tags]")
    tags.send_keys("sea")
    tags.submit()
    wait(browser, lambda d: "tag=sea" in d.current_url)
    wait(browser, lambda d: sorted(tiles(d)) == [p.name for p in photos[:2]])
    filtered_url = browser.current_url
    browser.get(f"{base}/")
    browser.get(filtered_url)  # a bookmark of the filtered view
    wait(browser, lambda d: sorted(tiles(d)) == [p.name for p in photos[:2]])

    # The large view: metadata, keyboard navigation, tags edited in place.
    first = tiles(browser)[0]
    browser.find_element(By.CSS_SELECTOR, "#grid .tile a").click()
    visible(browser, "dl.meta")
    assert browser.find_element(By.CSS_SELECTOR, "#view h1").text == first
    assert "png" in browser.find_element(By.CSS_SELECTOR, "dl.meta").text
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.ARROW_RIGHT)
    wait(
        browser,
        lambda d: d.find_element(By.CSS_SELECTOR, "#view h1").text not in ("", first),
    )
    second = browser.find_element(By.CSS_SELECTOR, "#view h1").text
    assert "tag=sea" in browser.current_url
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.ARROW_LEFT)
    wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, "#view h1").text == first)

    new_tag = browser.find_element(
        By.CSS_SELECTOR, "form[aria-label='Add a tag'] input"
    )
    new_tag.send_keys("favourite")
    new_tag.submit()
    wait(
        browser,
        lambda d: "favourite" in d.find_element(By.CSS_SELECTOR, "ul.tags").text,
    )
    browser.find_element(
        By.CSS_SELECTOR, "button[aria-label='Remove tag summer']"
    ).click()
    wait(
        browser,
        lambda d: "summer" not in d.find_element(By.CSS_SELECTOR, "ul.tags").text,
    )
    assert "favourite" in browser.find_element(By.CSS_SELECTOR, "ul.tags").text

    # The playground: parameters from the API document, a live preview, and a
    # content URL that loads on its own with the session.
    width = visible(browser, "#playground input[name=width]")
    width.clear()
    width.send_keys("120")
    browser.find_element(By.CSS_SELECTOR, "#playground select[name=format]").send_keys(
        "png"
    )
    wait(
        browser,
        lambda d: (
            "width=120"
            in (d.find_element(By.ID, "preview-image").get_attribute("data-url") or "")
        ),
    )
    wait(
        browser,
        lambda d: (
            d.execute_script(
                "return document.getElementById('preview-image').naturalWidth"
            )
            == 120
        ),
    )
    content_url = browser.find_element(By.ID, "content-url").get_attribute("value")
    assert content_url.startswith(base) and "format=png" in content_url
    audit(browser, axe, "image")
    browser.execute_script("window.scrollTo(0, 0)")
    screenshot(browser, "image")
    browser.get(content_url)
    assert browser.execute_script("return document.contentType") == "image/png"
    assert browser.execute_script("return document.images[0].naturalWidth") == 120
    browser.back()

    # Delete, after confirming: back on the filtered grid without it, which
    # the server lists again (an image another client added meanwhile shows).
    visible(browser, "dl.meta")
    deleted = browser.find_element(By.CSS_SELECTOR, "#view h1").text
    elsewhere = logged_in(base, USER)
    post_png(elsewhere, base, "arrived.png", samples.png_bytes(64, 48), ("sea",))
    browser.find_element(By.XPATH, "//button[text()='Delete…']").click()
    visible(browser, "#confirm-delete").click()
    wait(browser, lambda d: "/images/" not in d.current_url)
    kept = second if deleted == first else first
    wait(browser, lambda d: sorted(tiles(d)) == sorted(["arrived.png", kept]))

    # Usage charts and an API key whose secret is shown once.
    browser.find_element(By.LINK_TEXT, "Usage & keys").click()
    visible(browser, "svg.chart")
    storage = browser.find_element(By.ID, "quota-storage")
    assert int(storage.get_attribute("value")) > 0
    assert storage.get_attribute("max") == "50000000"
    assert (
        "of 100"
        in browser.find_element(By.CSS_SELECTOR, "label[for=quota-images]").text
    )
    key_name = browser.find_element(
        By.CSS_SELECTOR, "form[aria-label='Create an API key'] input"
    )
    key_name.send_keys("backup script")
    key_name.submit()
    secret = visible(browser, "#new-key").get_attribute("value")
    listed = requests.get(
        f"{base}/api/v1/images", headers={"X-API-Key": secret}, timeout=10
    )
    assert listed.status_code == 200 and len(listed.json()["items"]) == 3
    keys = "section[aria-labelledby=keys-title] table"
    wait(
        browser, lambda d: "backup script" in d.find_element(By.CSS_SELECTOR, keys).text
    )
    audit(browser, axe, "account")
    browser.execute_script("window.scrollTo(0, 0)")
    screenshot(browser, "account")

    browser.find_element(By.ID, "logout").click()
    visible(browser, "#login-form")
    assert "logged out" in browser.find_element(By.ID, "login-message").text
    assert browser.get_cookies() == [] or all(
        c["name"] != "auth_token" or not c["value"] for c in browser.get_cookies()
    )

    # An administrator sees every account and the service's usage.
    log_in(browser, ADMIN)
    visible(browser, "#nav-admin").click()
    rows = wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "tbody tr"))
    assert {row.find_element(By.TAG_NAME, "th").text for row in rows} == {USER, ADMIN}
    visible(browser, "svg.chart")
    audit(browser, axe, "admin")
    screenshot(browser, "admin")
    # A quota set on the page is the account's quota.
    quota = browser.find_element(
        By.CSS_SELECTOR, f"input[aria-label^='Images quota of {USER}']"
    )
    quota.send_keys("5")
    browser.find_element(By.CSS_SELECTOR, f"button[aria-label='Save {USER}']").click()
    wait(browser, lambda d: "Saved" in d.find_element(By.CSS_SELECTOR, "tbody").text)
    browser.refresh()
    quota = visible(browser, f"input[aria-label^='Images quota of {USER}']")
    assert quota.get_attribute("value") == "5"


def test_gallery_login_page_offers_single_sign_on(server, browser):
    browser.get(f"{server.base_url}/")
    link = visible(browser, "#sign-on a")
    assert link.text == "Sign in with Corp SSO"
    assert link.get_attribute("href").endswith("/api/v1/auth/oidc/corp/login")


def test_gallery_fits_a_phone_screen(server, tmp_path, axe):
    base = server.base_url
    email = "phone@example.com"
    session = sign_up(base, email)
    # More than one page of the list (60), so scrolling must fetch the next.
    small = samples.png_bytes(48, 32)
    for index in range(IMAGES_ON_PHONE):
        post_png(session, base, f"small-{index:02}.png", small)
    wide, long_tag = samples.png_bytes(900, 300), ("a-rather-long-tag-name-to-wrap",)
    for index in range(4):
        post_png(session, base, f"wide-{index}.png", wide, long_tag)

    driver = start_chromium(tmp_path / "phone", 500, 844)
    try:
        # Headless windows are at least 500 px wide: emulate the phone's
        # viewport (and its pixel density) instead.
        driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": 390, "height": 844, "deviceScaleFactor": 3, "mobile": True},
        )
        driver.get(f"{base}/")
        assert driver.execute_script("return window.innerWidth") == 390
        visible(driver, "#login-form")
        assert no_horizontal_scroll(driver), "login"
        log_in(driver, email)
        wait(driver, lambda d: len(tiles(d)) == 60)
        # Blurhash placeholders under every tile; only visible ones load.
        assert len(driver.find_elements(By.CSS_SELECTOR, "#grid .tile canvas")) == 60
        wait(driver, thumbnails_loaded_on_screen)
        assert no_horizontal_scroll(driver), "grid"
        screenshot(driver, "grid-phone")
        driver.execute_script("window.scrollTo(0, document.body.scrollHeight)")
        wait(driver, lambda d: len(tiles(d)) == IMAGES_ON_PHONE + 4)
        assert len(set(tiles(driver))) == IMAGES_ON_PHONE + 4
        assert "image(s)" in driver.find_element(By.ID, "grid-end").text
        driver.execute_script("window.scrollTo(0, 0)")
        # A 390-px screen asks for small thumbnails.
        chosen = driver.execute_script(
            "return document.querySelector('#grid img').currentSrc"
        )
        assert int(unquote(chosen).split("width=")[1].split("&")[0]) <= 480
        driver.find_element(By.CSS_SELECTOR, "#grid .tile a").click()
        visible(driver, "dl.meta")
        visible(driver, "#playground input[name=width]")
        assert no_horizontal_scroll(driver), "image"
        audit(driver, axe, "image at 390 px")
        driver.find_element(By.LINK_TEXT, "Usage & keys").click()
        visible(driver, "svg.chart")
        assert no_horizontal_scroll(driver), "account"
    finally:
        driver.quit()


def test_gallery_signed_link_opens_in_a_browser_without_cookies(server, tmp_path):
    base = server.base_url
    email = "share@example.com"
    session = sign_up(base, email)
    image_id = post_png(session, base, "shared.png", samples.png_bytes(300, 200))
    probe = session.post(
        f"{base}/api/v1/images/{image_id}/signed-urls",
        json={"params": {}, "expires_in": 60},
        timeout=10,
    )

    driver = start_chromium(tmp_path / "owner", 1280, 1000)
    try:
        driver.get(f"{base}/")
        log_in(driver, email)
        visible(driver, "#grid .tile a").click()
        visible(driver, "#playground input[name=width]")
        driver.find_element(By.XPATH, "//button[text()='Share…']").click()
        dialog = visible(driver, "dialog[open]")
        dialog.find_element(By.CSS_SELECTOR, ".signed-link button[type=submit]").click()
        if probe.status_code in (404, 405):
            message = wait(
                driver, lambda d: dialog.find_element(By.CSS_SELECTOR, ".message").text
            )
            assert "does not offer signed links" in message
            pytest.skip(
                "POST /api/v1/images/{id}/signed-urls answers "
                f"{probe.status_code}: this server has no signed links yet (the "
                "share dialog says so, checked above); the rest runs once it has"
            )
        assert probe.status_code == 201, probe.text
        signed = wait(
            driver,
            lambda d: dialog.find_element(By.CSS_SELECTOR, ".signed-url").get_attribute(
                "value"
            ),
        )
        # The playground signs its own parameters too.
        dialog.find_element(By.XPATH, ".//button[text()='Close']").click()
        width = driver.find_element(By.CSS_SELECTOR, "#playground input[name=width]")
        width.clear()
        width.send_keys("90")
        playground = driver.find_element(By.ID, "playground")
        playground.find_element(
            By.CSS_SELECTOR, ".signed-link button[type=submit]"
        ).click()
        signed_small = wait(
            driver,
            lambda d: playground.find_element(
                By.CSS_SELECTOR, ".signed-url"
            ).get_attribute("value"),
        )
    finally:
        driver.quit()

    stranger = start_chromium(tmp_path / "stranger", 800, 600)
    try:
        for link, expected_width in ((signed, 300), (signed_small, 90)):
            stranger.get(link)
            assert stranger.get_cookies() == []
            assert stranger.execute_script("return document.contentType").startswith(
                "image/"
            )
            assert (
                stranger.execute_script("return document.images[0].naturalWidth")
                == expected_width
            )
    finally:
        stranger.quit()
