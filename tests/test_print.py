"""Lessons print cleanly (the toolkit's job aids are lessons meant to be printed)."""
from tests.conftest import ROOT


def test_the_stylesheet_has_a_print_layout_that_hides_the_chrome():
    css = (ROOT / "static" / "css" / "app.css").read_text(encoding="utf-8")
    printed = css.split("@media print", 1)[1]
    for selector in (".site-header", ".toc", ".complete-form", ".pager"):
        assert selector in printed.split("}", 1)[0], selector


def test_the_job_aids_are_lessons(app, client, db):
    from tests.factories import login, make_user

    make_user(db, "t1", roles=("trainee", "trainer"))  # trainers may open every module
    login(client, "t1")
    for lesson in ("toolkit-man-card", "toolkit-stakeholder-table"):
        page = client.get(f"/lessons/{lesson}")
        assert page.status_code == 200 and "<table" in page.get_data(as_text=True), lesson
