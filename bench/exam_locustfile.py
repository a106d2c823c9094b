"""Locust: learners taking an exam (run by bench/capacity.py, which seeds the learners and starts the server).

Each simulated learner is already signed in (a cookie made by capacity.py for a login session created in
the 5 minutes before the exam).  When the exam opens, Locust starts every learner within the ramp (30 s):
each opens the exam, starts it, answers with a save every 30–90 s, submits and views the result, then stops.
"""
import itertools
import json
import os
import random

import gevent
from exam_pages import RADIO, TOKEN
from locust import FastHttpUser, between, events, task

LEARNERS = json.loads(open(os.environ["EXAM_COOKIES"], encoding="utf-8").read())
EXAM = os.environ.get("EXAM_QUIZ", "final-exam")
SAVES = int(os.environ.get("EXAM_SAVES", "3"))
WAIT = tuple(int(x) for x in os.environ.get("EXAM_WAIT", "30,90").split(","))
USERS = int(os.environ.get("EXAM_USERS", len(LEARNERS)))
# Locust starts the learners of each second together (floor(rate) of them at once, once per batch interval).  Each one
# waits a random part of that interval before opening the exam, so that the learners arrive spread through the
# ramp as people clicking at their own moment do, not in one lump a second (capacity.py sets it; 0: no spread).
ARRIVAL_SPREAD = float(os.environ.get("EXAM_ARRIVAL_SPREAD", "0"))
NEXT = itertools.count()
FINISHED = itertools.count(1)


class Done(Exception):
    """This learner has finished (or could not start): it idles, so that Locust does not start another in its
    place, and the run ends when every learner is done."""


class Learner(FastHttpUser):
    wait_time = between(*WAIT)  # between saves: 30-90 s

    def on_start(self) -> None:
        gevent.sleep(random.uniform(0, ARRIVAL_SPREAD))
        try:
            self._open_exam()
        except Done:
            self._finish()

    def _open_exam(self) -> None:
        number = next(NEXT)
        if number >= len(LEARNERS):
            raise Done()
        cookie = LEARNERS[number]
        self.client.cookiejar.set_cookie(_cookie(cookie))  # signed in before the exam
        self.saves = 0
        intro = self.client.get(f"/quizzes/{EXAM}", name="exam intro")
        token = _token(intro.text)
        started = self.client.post(f"/quizzes/{EXAM}/start", data={"csrf_token": token}, name="exam start",
                                   allow_redirects=False)
        location = started.headers.get("Location", "")
        if started.status_code != 302 or "/attempts/" not in location:
            raise Done()
        self.attempt = location.rsplit("/attempts/", 1)[1].split("/")[0]
        page = self.client.get(f"/attempts/{self.attempt}", name="exam take page")
        self.token = _token(page.text)
        self.answers = {}
        for name, value in RADIO.findall(page.text):
            self.answers.setdefault(name, [])
            self.answers[name].append(value)

    def _some_answers(self) -> dict:
        names = sorted(self.answers)
        chosen = names[: max(1, len(names) * (self.saves + 1) // (SAVES + 1))]
        return {name: random.choice(self.answers[name]) for name in chosen}

    def _finish(self) -> None:
        self.finished = True
        if next(FINISHED) >= USERS:
            self.environment.runner.quit()
        gevent.sleep(24 * 3600)

    @task
    def answer(self) -> None:
        if getattr(self, "finished", False) or not hasattr(self, "attempt"):
            return self._finish()
        if not getattr(self, "answering", False):
            # Locust runs a task at once after on_start and waits only after it: without this the first save
            # would join the start burst instead of coming 30-90 s after the take page
            self.answering = True
            return
        if self.saves < SAVES:
            self.saves += 1
            self.client.post(f"/attempts/{self.attempt}/save", data={"csrf_token": self.token, **self._some_answers()},
                             name="exam save", allow_redirects=False)
            return
        self.client.post(f"/attempts/{self.attempt}/submit", data={"csrf_token": self.token, **self._some_answers()},
                         name="exam submit", allow_redirects=False)
        self.client.get(f"/attempts/{self.attempt}/result", name="exam result")
        self._finish()


def _token(html: str) -> str:
    match = TOKEN.search(html or "")
    if not match:
        raise Done()
    return match.group(1)


def _cookie(value: str):
    from http.cookiejar import Cookie

    return Cookie(0, "session", value, None, False, "127.0.0.1", True, False, "/", True, False, None, False, None, None, {})


@events.quitting.add_listener
def _summary(environment, **_kwargs) -> None:
    environment.process_exit_code = 0  # capacity.py judges the figures itself
