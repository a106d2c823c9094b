"""English catalogue: complete, compiled, and covering every string the templates translate."""
import re
from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from tests.factories import login, make_user

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "translations/en/LC_MESSAGES/messages.po"
MO = ROOT / "translations/en/LC_MESSAGES/messages.mo"


def test_catalogue_is_complete_and_compiled():
    po = {m.id: m.string for m in read_po(PO.open("rb")) if m.id}
    mo = {m.id: m.string for m in read_mo(MO.open("rb")) if m.id}
    assert [k for k, v in po.items() if not v] == []
    assert po == mo, "run: pybabel compile -d translations"


def test_every_template_string_is_in_the_catalogue():
    po = {m.id for m in read_po(PO.open("rb"))}
    used = {m for path in (ROOT / "templates").rglob("*.html") for m in re.findall(r"_\('([^']+)'", path.read_text("utf-8"))}
    assert sorted(used - po) == [], "run: pybabel extract/update (see docs/deployment.md)"


def test_english_interface(client, db):
    make_user(db, "eve")
    login(client, "eve")
    client.post("/language", data={"lang": "en", "next": "/map"})
    page = client.get("/map").get_data(as_text=True)
    assert "Learning map" in page and "学习地图" not in page
    client.post("/language", data={"lang": "zh_CN", "next": "/map"})
    assert "学习地图" in client.get("/map").get_data(as_text=True)
