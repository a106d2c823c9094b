"""Helpers for the browser tests (tests/test_browser*.py): a real app server in a subprocess and a headless Chromium.

The server is started exactly as an operator would: `flask --app app seed-demo` on a fresh SQLite
database, then `python app.py --host 127.0.0.1 --port N`.  Nothing here imports the app into the
pytest process, so the browser tests never share state with the unit tests.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
DEMO_PASSWORD = "demo-pass-123"

CHROME_ARGS = (
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
    "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--window-size=1280,900",
)

# Fresh trainees the tests create themselves (the demo trainees all have progress of their own).
ADD_USERS = """
import sys
from app import create_app
from academy.cli import add_user
from academy.platform.db import get_session
app = create_app()
with app.app_context():
    session = get_session()
    for spec in sys.argv[2:]:  # name, or name:role,role
        name, _, roles = spec.partition(":")
        add_user(session, name, "新学员 " + name, sys.argv[1], set((roles or "trainee").split(",")))
    session.commit()
"""


class Browser:
    """One Chromium for a test module; every network request it makes is kept (test_browser.py checks none leaves the host)."""

    def __init__(self, driver, base_url: str) -> None:
        self.driver, self.base_url = driver, base_url
        self.requests: list[str] = []
        self.attempt_urls: dict[str, str] = {}

    def go(self, path: str) -> None:
        self.driver.get(self.base_url + path)

    def path(self) -> str:
        return self.driver.current_url.removeprefix(self.base_url)

    def wait(self, condition, timeout: float = 10, ignoring=(StaleElementReferenceException,)):
        return WebDriverWait(self.driver, timeout, ignored_exceptions=ignoring).until(condition)

    def wait_path(self, predicate, what: str) -> None:
        try:
            self.wait(lambda d: predicate(d.current_url.removeprefix(self.base_url)))
        except TimeoutException:
            pytest.fail(f"expected {what}, still on {self.driver.current_url}:\n{self.text()[:800]}")

    def text(self) -> str:
        return self.driver.find_element(By.TAG_NAME, "body").text

    def css(self, selector: str):
        return self.driver.find_elements(By.CSS_SELECTOR, selector)

    def nav_link(self, text: str):
        """A link of the main navigation as a user reaches it: on a phone, the menu is opened first."""
        menu = self.driver.find_element(By.CSS_SELECTOR, "details.site-menu")
        if menu.is_displayed():
            if menu.get_attribute("open") is None:
                menu.find_element(By.TAG_NAME, "summary").click()
            return menu.find_element(By.LINK_TEXT, text)
        return self.driver.find_element(By.CSS_SELECTOR, ".header-wide").find_element(By.LINK_TEXT, text)

    def login(self, username: str) -> None:
        sign_in(self.driver, self.base_url, username)
        # each role's home: the dashboard, a manager's team overview, a trainer's authoring desk
        self.wait_path(lambda p: p in ("/", "/reports/") or p.startswith("/authoring"),
                       f"the home page after logging in as {username}")

    def click_and_wait(self, element, predicate, what: str) -> None:
        """Click something that loads a page, and wait for that page: the old one must go first, or a path
        that was already right (saving reloads the same page) would let the next check read a page that is
        being replaced (a flaky StaleElementReferenceException).

        The old page is marked with a window property, which a new document does not have. Holding on to
        its <html> element instead (EC.staleness_of) failed in CI: chromedriver sometimes answers a
        question about a node of an unloaded page with "unhandled inspector error", not with a stale
        element, and a script may fail likewise while the page is being swapped, so such errors mean "not
        yet" here."""
        self.driver.execute_script("window.academyOldPage = true;")
        element.click()
        self.wait(lambda d: d.execute_script(
            "return window.academyOldPage === undefined && document.readyState !== 'loading';"),
            ignoring=(WebDriverException,))
        self.wait_path(predicate, what)

    def drain_network(self) -> None:
        """Keep (url, page) for every request a page of the app (or a navigation to it) made.

        Chromium's own pages (the startup new-tab page, chrome://…) are not the app's and are left out.
        """
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message.get("method") != "Network.requestWillBeSent":
                continue
            params = message["params"]
            url, page = params["request"]["url"], params.get("documentURL", "")
            if page.startswith(("chrome:", "chrome-untrusted:", "devtools:")):
                continue
            self.requests.append((url, page))

    def overflow(self) -> tuple[int, int]:
        return self.driver.execute_script(
            "return [document.documentElement.scrollWidth, window.innerWidth];")


def require_browser() -> None:
    """CI installs chromium and chromedriver: their absence is a failure, not a skip."""
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not os.access(path, os.X_OK)]
    if missing:
        pytest.fail(f"browser tests need {', '.join(missing)}: install Debian's packages "
                    f"with `apt-get install -y chromium chromium-driver`", pytrace=False)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class AppServer:
    """`python app.py` on a free port with its own database, instance folder and secret key."""

    def __init__(self, workdir: Path, users: tuple[str, ...] = ()) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / "server.log"
        self.env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{workdir / 'academy.db'}",
            "INSTANCE_PATH": str(workdir / "instance"),
            "SECRET_KEY": "browser-test-secret-key-0123456789abcdef",
            "PYTHONUNBUFFERED": "1",
        }
        self.env.pop("ACADEMY_ENV", None)
        self.users = users
        self.process: subprocess.Popen | None = None

    def _run(self, args: list[str]) -> None:
        result = subprocess.run(args, cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            pytest.fail(f"{' '.join(args[:4])} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}", pytrace=False)

    def start(self) -> AppServer:
        self._run([sys.executable, "-m", "flask", "--app", "app", "seed-demo", "--password", DEMO_PASSWORD])
        if self.users:
            self._run([sys.executable, "-c", ADD_USERS, DEMO_PASSWORD, *self.users])
        self._log = open(self.log_path, "w", encoding="utf-8")
        self.process = subprocess.Popen(
            [sys.executable, "app.py", "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.stop()
                pytest.fail(f"app exited with {self.process.returncode}:\n{self.log()}", pytrace=False)
            try:
                with urllib.request.urlopen(self.base_url + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        pytest.fail(f"app did not answer /healthz within 30 s:\n{self.log()}", pytrace=False)

    def log(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8")[-4000:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if getattr(self, "_log", None) is not None:
            self._log.close()
            self._log = None


def make_driver(user_data_dir: Path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in CHROME_ARGS:
        options.add_argument(arg)
    options.add_argument(f"--user-data-dir={user_data_dir}")
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(20)
    driver.set_script_timeout(30)
    return driver


def sign_in(driver, base_url: str, username: str) -> None:
    """Log in through the login form as a demo user (the page it lands on is the caller's to wait for)."""
    from selenium.webdriver.common.by import By

    driver.delete_all_cookies()
    driver.get(base_url + "/login")
    driver.find_element(By.NAME, "username").send_keys(username)
    driver.find_element(By.NAME, "password").send_keys(DEMO_PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()


def cleanup_dir(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
