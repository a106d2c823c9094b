"""Issue 15 in a real headless Chromium (harness: tests/browser_support.py): the demo trainer imports a Moodle GIFT
file and a filled-in copy of the Excel template the app serves, sees each preview with its per-item report,
confirms, and finds the published bank."""
from __future__ import annotations

import io
import tempfile
import time
from pathlib import Path

import openpyxl
import pytest
from selenium.webdriver.common.by import By

try:
    from browser_support import AppServer, Browser, cleanup_dir, make_driver, require_browser, sign_in
except ImportError:  # tests/ imported as a package
    from tests.browser_support import AppServer, Browser, cleanup_dir, make_driver, require_browser, sign_in

# As Moodle's "Export questions → GIFT" writes it: a category switch, then one question per paragraph.
MOODLE_GIFT = """// question: 0  name: Switch category to $course$/top/政企销售/采购法规
$CATEGORY: $course$/top/政企销售/采购法规


// question: 3101  name: 首次拜访
// [id:first-visit] [tag:开场]
::首次拜访::[html]<p>首次拜访局长时，最合适的开场是？</p>{
\t=[html]<p>先了解其年度重点工作</p>#[html]<p>对：先听后说。</p>
\t~[html]<p>直接介绍产品</p>#[html]<p>太早了。</p>
\t####[html]<p>先听后说是关键。</p>
}

// question: 3102  name: 预算先行
::预算先行::[moodle]财政性资金采购项目无需编制预算。{FALSE#必须先有预算。#正确。}

// question: 3103  name: 意向公开天数
::意向公开天数::[moodle]采购意向原则上不晚于采购活动开始前几日公开？{
\t=%100%30#
\t=%50%三十#请写数字
}

"""
XLSX_ROWS = [
    ["单选", "决策链", "谁最终拍板？", "科长", "局长", "", "", "", "", "", "", "B", "先找拍板人。", 2, "政企/关系", "", ""],
    ["判断", "预算", "预算决定采购规模。", "", "", "", "", "", "", "", "", "对", "", 1, "政企/预算", "", ""],
]


@pytest.fixture(scope="module")
def browser():
    require_browser()
    workdir = Path(tempfile.mkdtemp(prefix="academy-browser-import-"))
    server = AppServer(workdir).start()
    driver = None
    try:
        driver = make_driver(workdir / "chromium")
        downloads = workdir / "downloads"
        downloads.mkdir()
        driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
        b = Browser(driver, server.base_url)
        b.downloads = downloads
        b.workdir = workdir
        yield b
    finally:
        if driver is not None:
            driver.quit()
        server.stop()
        cleanup_dir(workdir)


def _import(b: Browser, bank: str, path: Path, expected_rows: int) -> str:
    """Upload `path` into `bank`, check the preview's per-item report, confirm; the preview's text is returned."""
    b.go("/authoring/import")
    b.driver.find_element(By.NAME, "bank").send_keys(bank)
    b.driver.find_element(By.CSS_SELECTOR, "input[type=file][name=file]").send_keys(str(path))
    upload = b.driver.find_element(By.CSS_SELECTOR, "form[enctype='multipart/form-data'] button[type=submit]")
    b.click_and_wait(upload, lambda p: p == "/authoring/import", "the import preview")
    preview = b.driver.find_element(By.CSS_SELECTOR, "section[aria-labelledby=preview-title]")
    report = preview.text
    assert f"共 {expected_rows} 道题，没有错误" in report, report[:1500]
    rows = preview.find_elements(By.CSS_SELECTOR, "table tbody tr")
    assert len(rows) == expected_rows, report[:1500]
    assert not preview.find_elements(By.CSS_SELECTOR, "tr.row-error"), report[:1500]
    confirm = preview.find_element(By.CSS_SELECTOR, "form[action$='/authoring/import/confirm'] button[type=submit]")
    assert confirm.text == f"确认导入 {expected_rows} 道题"
    b.click_and_wait(confirm, lambda p: p == "/authoring/import", "the import page after confirming")
    assert f"已导入 {expected_rows} 道题到题库“{bank}”并发布" in b.driver.find_element(By.CSS_SELECTOR, ".flashes").text
    return report


def _find_bank(b: Browser, bank: str, titles: list[str]) -> None:
    b.click_and_wait(b.driver.find_element(By.LINK_TEXT, "查看题库"), lambda p: p == "/authoring/banks/", "the bank list")
    row = next((r for r in b.css("table tbody tr") if bank in r.find_element(By.TAG_NAME, "code").text), None)
    assert row is not None, f"bank {bank} is not listed:\n{b.text()[:1500]}"
    assert row.find_element(By.CSS_SELECTOR, "td.num").text == str(len(titles))
    b.click_and_wait(row.find_element(By.TAG_NAME, "a"), lambda p: p == f"/authoring/banks/{bank}", f"bank {bank}")
    shown = [h.text for h in b.css("section.item h2")]
    for title in titles:
        assert any(title in h for h in shown), (title, shown)


def _wait_for_download(folder: Path, timeout: float = 15) -> Path:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = [p for p in folder.iterdir() if p.suffix == ".xlsx"]
        if done and not any(p.suffix == ".crdownload" for p in folder.iterdir()):
            return done[0]
        time.sleep(0.1)
    pytest.fail(f"the template was not downloaded into {folder}: {list(folder.iterdir())}")


def test_trainer_imports_a_moodle_gift_file_and_the_excel_template(browser):
    b = browser
    sign_in(b.driver, b.base_url, "trainer1")
    b.wait_path(lambda p: p in ("/", "/authoring/"), "trainer1's home")

    gift = b.workdir / "moodle-export.txt"
    gift.write_text(MOODLE_GIFT, encoding="utf-8")
    report = _import(b, "browser-gift", gift, 3)
    for cell in ("首次拜访", "预算先行", "意向公开天数", "政企销售/采购法规"):
        assert cell in report, (cell, report[:1500])
    _find_bank(b, "browser-gift", ["首次拜访", "预算先行", "意向公开天数"])

    b.go("/authoring/import")
    b.driver.find_element(By.LINK_TEXT, "下载 Excel 导入模板").click()
    template = _wait_for_download(b.downloads)
    workbook = openpyxl.load_workbook(io.BytesIO(template.read_bytes()))
    sheet = workbook["题目"]
    assert [c.value for c in sheet[1]][:3] == ["题型", "题目名称", "题干"]
    for row in XLSX_ROWS:
        sheet.append(row)
    filled = b.workdir / "题目.xlsx"
    workbook.save(filled)
    report = _import(b, "browser-xlsx", filled, 2)
    assert "决策链" in report and "政企/关系" in report, report[:1500]
    _find_bank(b, "browser-xlsx", ["决策链", "预算"])
