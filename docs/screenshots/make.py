"""Take the README's screenshots from a fresh demo site in headless Chromium.

    python docs/screenshots/make.py        # needs requirements-dev.txt, chromium and chromium-driver

The site is started like the browser tests start it (`flask seed-demo`, then `python app.py` on a free
port, in a temporary folder), so the pictures show the demo organisation as a newcomer sees it.
"""
from __future__ import annotations

import sqlite3
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from tests.browser_support import AppServer, cleanup_dir, make_driver, sign_in  # noqa: E402

LEARNER = "trainee6"  # first module in progress, the rest locked; a dialogue played, a few mistakes
DESKTOP, PHONE = (1280, 900), (390, 844)


class Camera:
    def __init__(self, driver, base_url: str) -> None:
        self.driver, self.base_url = driver, base_url

    def login(self, username: str) -> None:
        sign_in(self.driver, self.base_url, username)

    def shoot(self, path: str, name: str, size: tuple[int, int] = DESKTOP, scroll_to: str | None = None) -> None:
        self.driver.set_window_size(*size)
        self.driver.get(self.base_url + path)
        if scroll_to:
            element = self.driver.find_element(By.CSS_SELECTOR, scroll_to)
            # a little room above it, so that a heading just above is not cut in half at the top edge
            self.driver.execute_script("arguments[0].scrollIntoView({block: 'start'}); window.scrollBy(0, -48);", element)
        self.driver.save_screenshot(str(HERE / f"{name}.png"))
        print(f"{name}.png  ←  {path}")


def first_attempt(database: Path, state: str, username: str = "%", quiz_id: str = "%") -> int:
    with sqlite3.connect(database) as connection:
        row = connection.execute(
            "SELECT attempt.id FROM attempt JOIN user_account ON user_account.id = attempt.user_id "
            "WHERE user_account.username LIKE ? AND attempt.quiz_id LIKE ? AND attempt.state = ? ORDER BY attempt.id",
            (username, quiz_id, state)).fetchone()
    if row is None:
        raise SystemExit(f"the demo has no {state} attempt of {username} on {quiz_id}")
    return row[0]


def user_id(database: Path, username: str) -> int:
    with sqlite3.connect(database) as connection:
        return connection.execute("SELECT id FROM user_account WHERE username = ?", (username,)).fetchone()[0]


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="academy-screenshots-"))
    server = AppServer(work).start()
    driver = make_driver(work / "chromium")
    try:
        camera = Camera(driver, server.base_url)
        camera.login(LEARNER)
        camera.shoot("/map", "learning-map")
        camera.shoot("/lessons/clients-roles", "lesson")
        dialogue = first_attempt(work / "academy.db", "graded", LEARNER, "clients-dialogue")
        camera.shoot(f"/attempts/{dialogue}/result", "dialogue-result", scroll_to="table.stance-map")
        camera.shoot("/mistakes", "mistake-book")
        camera.shoot("/search?q=预算+财政", "search")
        camera.driver.set_window_size(*PHONE)
        camera.driver.get(server.base_url + "/quizzes/clients-quiz")
        camera.driver.find_element(By.CSS_SELECTOR, "form[action$='/start'] button").click()
        WebDriverWait(camera.driver, 10).until(lambda d: "/attempts/" in d.current_url)  # the take page, not the intro
        camera.shoot(camera.driver.current_url.removeprefix(server.base_url), "quiz-phone", PHONE)
        camera.login("manager1")
        camera.shoot("/reports/coaching", "coaching-tab")
        camera.shoot(f"/reports/learners/{user_id(work / 'academy.db', LEARNER)}", "coaching-notes", scroll_to="#coaching-h")
        camera.login("trainer1")
        camera.shoot(f"/review/{first_attempt(work / 'academy.db', 'review')}", "roleplay-review",
                     scroll_to="section.item h3")  # the learner's response, then the rubric
    finally:
        driver.quit()
        server.stop()
        cleanup_dir(work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
