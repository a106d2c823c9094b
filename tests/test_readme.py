"""The README's quick start and screenshots (issue 14 item 6)."""
import re
import struct

from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    return README.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]


def test_the_quick_start_keeps_its_two_commands_with_the_optional_virtual_environment_above():
    quick = section("快速开始")
    commands = re.findall(r"```bash\n(.*?)\n```", quick, re.S)
    assert commands[:2] == ["python3 -m venv .venv && . .venv/bin/activate",
                            "pip install -r requirements.txt && python app.py"]
    assert "python app.py --demo --password 自己设一个密码" in commands[2]
    assert "可选" in quick.split("```bash", 1)[0]


def png_size(path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", path
    return struct.unpack(">II", head[16:24])


def test_every_screenshot_in_the_readme_is_there_and_one_is_a_phone():
    shots = re.findall(r"!\[[^\]]*\]\((docs/screenshots/[^)]+\.png)\)", README)
    assert len(shots) >= 6
    sizes = {name: png_size(ROOT / name) for name in shots}
    width, height = sizes["docs/screenshots/quiz-phone.png"]
    assert width < height  # portrait, as a phone shows it
    assert all(w > h for name, (w, h) in sizes.items() if "phone" not in name)
