"""Bulk user import: file parsing (importer) and all-or-nothing creation (services + view)."""
import io
import re
from datetime import timedelta

import openpyxl
import pytest
from sqlalchemy import func, select, update

from academy.org.admin import bulk_import, handouts
from academy.org.admin.importer import MAX_ROWS, ImportFileError, parse_upload
from academy.org.auth.services import authenticate
from academy.org.models import PasswordHandout, Region, Team, User, utcnow
from academy.platform.exports import safe_cell
from tests.factories import PASSWORD, login, make_user

HEADER = "用户名,姓名,角色,片区,团队,密码"
GOOD_ROWS = [
    "zhangsan,张三,学员,华东片区,一组,pass-word-1",
    "lisi,李四,\"讲师、经理\",华东片区,二组,",
    "wangwu,王五,trainee;admin,,,",
]


@pytest.fixture
def org(db):
    east = Region(name="华东片区")
    db.add(east)
    db.flush()
    db.add_all([Team(region=east, name="一组"), Team(region=east, name="二组")])
    db.commit()
    return east


def upload(client, data: bytes, filename: str):
    return client.post("/admin/import", data={"file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def csv_bytes(rows: list[str], encoding: str = "utf-8", header: str = HEADER) -> bytes:
    return "\r\n".join([header, *rows]).encode(encoding)


def xlsx_bytes(rows: list[list]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def user_count(db) -> int:
    db.commit()  # end the read snapshot (SQLite WAL) so the request's commit is visible
    db.rollback()  # end the read snapshot
    return db.scalar(select(func.count(User.id)))


def fresh_user(db, username: str) -> User | None:
    db.commit()
    db.rollback()  # end the read snapshot
    return db.scalar(select(User).where(User.username == username))


# ---- importer (pure parsing) ------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_decodes_utf8_bom_and_gb18030(encoding):
    rows = parse_upload(csv_bytes(GOOD_ROWS, encoding), "名单.CSV")
    assert [r.line for r in rows] == [2, 3, 4]
    assert rows[0].values == {"username": "zhangsan", "display_name": "张三", "roles": "学员",
                              "region": "华东片区", "team": "一组", "password": "pass-word-1"}
    assert rows[1].get("roles") == "讲师、经理"


def test_english_headers_any_order_blank_rows_keep_line_numbers():
    data = csv_bytes(["", "Zhao,trainer", ",", "qian,"], header="Username,Roles")
    rows = parse_upload(data, "u.csv")
    assert [(r.line, r.get("username"), r.get("roles")) for r in rows] == [(3, "Zhao", "trainer"), (5, "qian", "")]


def test_xlsx_numbers_become_text():
    data = xlsx_bytes([["用户名", "姓名", "密码"], [10086, "移动", 12345678], [None, None, None], ["a", "A", None]])
    rows = parse_upload(data, "users.xlsx")
    assert [(r.line, r.get("username"), r.get("password")) for r in rows] == [(2, "10086", "12345678"), (4, "a", "")]


@pytest.mark.parametrize(("data", "filename", "message"), [
    (b"username\nzhang\n", "users.xls", "只支持"),
    (b"\xff\xfe\x00", "users.csv", "编码"),
    (b"name\nzhang\n", "users.csv", "用户名"),
    (b"username\n\n", "users.csv", "没有数据行"),
    (b"", "users.csv", "空"),
    (b"username,username\na,b\n", "users.csv", "两次"),
    (b"not a zip", "users.xlsx", ".xlsx"),
    (b"PK\x03\x04broken", "users.xlsx", "Excel"),
])
def test_unreadable_files_raise_chinese_errors(data, filename, message):
    with pytest.raises(ImportFileError, match=message):
        parse_upload(data, filename)


def test_undecodable_csv_is_an_error():
    with pytest.raises(ImportFileError, match="编码"):
        parse_upload(b"username\n" + b"\x81\x30\xff\xff\n", "u.csv")


def test_row_limit():
    rows = [f"user{i}" for i in range(MAX_ROWS + 1)]
    with pytest.raises(ImportFileError, match=str(MAX_ROWS)):
        parse_upload(csv_bytes(rows, header="username"), "u.csv")


def test_roles_accept_chinese_english_and_all_separators():
    roles, unknown = bulk_import.parse_roles("学员,讲师，Manager;admin；学员、 trainer ")
    assert roles == {"trainee", "trainer", "manager", "admin"} and unknown == []
    assert bulk_import.parse_roles("") == ({"trainee"}, [])
    assert bulk_import.parse_roles("学员、老板")[1] == ["未知角色“老板”"]


# ---- the import page --------------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_import_creates_all_users(admin_client, db, org, encoding):
    before = user_count(db)
    response = upload(admin_client, csv_bytes(GOOD_ROWS, encoding), "users.csv")
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "已导入 3 个用户" in text
    assert user_count(db) == before + 3
    zhang, li, wang = (fresh_user(db, name) for name in ("zhangsan", "lisi", "wangwu"))
    assert (zhang.display_name, zhang.roles, zhang.team.name) == ("张三", {"trainee"}, "一组")
    assert li.roles == {"trainer", "manager"} and li.team.name == "二组"
    assert wang.roles == {"trainee", "admin"} and wang.team_id is None
    assert authenticate(db, "zhangsan", "pass-word-1") is not None
    assert "只能下载一次" in text and "pass-word-1" not in text


def download_link(page: str) -> str:
    return re.search(r'action="(/admin/import/passwords/[^"]+)"', page).group(1)


def sheet_rows(data: bytes) -> list[tuple]:
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return list(workbook.worksheets[0].iter_rows(values_only=True))


def test_generated_passwords_are_a_download_once_and_work(admin_client, db, org):
    response = upload(admin_client, csv_bytes(["solo,独行,,华东片区,一组,", "own,自带,,,,pass-word-1"]), "users.csv")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    assert "<code>" not in page and "1 个用户生成了一次性密码" in page
    link = download_link(page)

    file = admin_client.post(link)
    assert file.status_code == 200
    assert file.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert file.headers["Cache-Control"] == "no-store" and "attachment" in file.headers["Content-Disposition"]
    header, *rows = sheet_rows(file.data)
    assert header[0] == "用户名" and len(rows) == 1  # only generated passwords: the file's own are known already
    username, name, team, password = rows[0]
    assert (username, name, team) == ("solo", "独行", "华东片区 / 一组")
    assert len(password) >= 12 and authenticate(db, "solo", password) is not None
    assert fresh_user(db, "solo").must_change_password and fresh_user(db, "own").must_change_password
    assert db.scalar(select(func.count(PasswordHandout.id))) == 0  # nothing kept once downloaded

    again = admin_client.post(link)
    assert again.status_code == 410
    assert "已经下载过或已过期" in again.get_data(as_text=True)


def test_no_download_when_every_password_came_with_the_file(admin_client, db, org):
    page = upload(admin_client, csv_bytes([GOOD_ROWS[0]]), "users.csv").get_data(as_text=True)
    assert "/admin/import/passwords/" not in page
    assert db.scalar(select(func.count(PasswordHandout.id))) == 0


def test_another_admin_cannot_download_the_passwords(app, admin_client, db, org):
    link = download_link(upload(admin_client, csv_bytes(["solo,独行,,,,"]), "users.csv").get_data(as_text=True))
    make_user(db, "boss2", roles=("admin",))
    other = app.test_client()
    login(other, "boss2")
    assert other.post(link).status_code == 410
    assert other.post("/admin/import/passwords/made-up-token").status_code == 410
    assert admin_client.post(link).status_code == 200  # still there for the admin who imported


def test_expired_passwords_are_gone(admin_client, db, org):
    link = download_link(upload(admin_client, csv_bytes(["solo,独行,,,,"]), "users.csv").get_data(as_text=True))
    db.execute(update(PasswordHandout).values(created_at=utcnow() - handouts.HANDOUT_LIFETIME - timedelta(minutes=1)))
    db.commit()
    response = admin_client.post(link)
    assert response.status_code == 410 and "已过期" in response.get_data(as_text=True)
    assert db.scalar(select(func.count(PasswordHandout.id))) == 0  # expired rows are purged


def test_a_download_needs_the_csrf_token(csrf_app, csrf_client):
    with csrf_app.app_context():
        from academy.platform.db import get_session

        make_user(get_session(), "boss", roles=("admin",))
    page = csrf_client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    csrf_client.post("/login", data={"username": "boss", "password": PASSWORD, "csrf_token": token})
    assert csrf_client.post("/admin/import/passwords/anything").status_code == 400


def test_five_thousand_generated_passwords_in_one_file(db):
    rows = [[f"user{i}", f"姓名{i}", "", f"pw{i:06d}xyzabc"] for i in range(MAX_ROWS)]
    handouts.keep(db, make_user(db, "boss", roles=("admin",)).id, rows)
    db.commit()
    assert len(sheet_rows(handouts.spreadsheet(rows))) == MAX_ROWS + 1


@pytest.mark.parametrize(("value", "cell"), [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+1", "'+1"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("张三", "张三"), ("a=b", "a=b"), ("", ""),
])
def test_cells_never_start_a_formula(value, cell):
    assert safe_cell(value) == cell
    _header, row = sheet_rows(handouts.spreadsheet([[value, "n", "", "pw"]]))
    assert row[0] == (cell.replace("\r", "\n") or None)  # XML reads a CR back as LF; an empty cell is None


def test_imported_names_that_look_like_formulas_are_text_in_the_file(admin_client, db, org):
    page = upload(admin_client, csv_bytes(['"=cmd|\'/c calc\'!A1",@evil,,,,']), "users.csv").get_data(as_text=True)
    _header, row = sheet_rows(admin_client.post(download_link(page)).data)
    assert row[:2] == ("'=cmd|'/c calc'!A1", "'@evil")


def test_xlsx_import_creates_users(admin_client, db, org):
    data = xlsx_bytes([
        ["username", "display_name", "roles", "region", "team", "password"],
        ["chen", "陈六", "学员、讲师", "华东片区", "二组", "xlsx-pass-1"],
        [10086, "移动", "trainee", None, "一组", 12345678],
    ])
    response = upload(admin_client, data, "名单.xlsx")
    assert response.status_code == 200
    assert fresh_user(db, "chen").roles == {"trainee", "trainer"}
    assert fresh_user(db, "10086").team.name == "一组"
    assert authenticate(db, "10086", "12345678") is not None


def test_one_bad_row_imports_nothing_and_reports_line_and_reason(admin_client, db, org):
    before = user_count(db)
    rows = [GOOD_ROWS[0], "badpw,短密码,学员,华东片区,一组,1234", GOOD_ROWS[2]]
    response = upload(admin_client, csv_bytes(rows), "users.csv")
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<td>3</td>" in text and "badpw" in text and "密码太短" in text
    assert "没有导入任何用户" in text
    assert user_count(db) == before


def test_every_kind_of_row_error_is_reported(admin_client, db, org):
    make_user(db, "taken")
    db.commit()
    before = user_count(db)
    rows = [
        "ok1,甲,学员,华东片区,一组,",           # line 2: fine
        ",无名,学员,,,",                          # line 3: missing username
        "ok1,重复,学员,,,",                       # line 4: duplicate of line 2
        "taken,已有,学员,,,",                     # line 5: exists in the database
        "boss2,老板,\"学员、老板\",,,",           # line 6: unknown role
        "mars,火星人,学员,火星片区,一组,",       # line 7: unknown region
        "ghost,幽灵,学员,华东片区,九组,",        # line 8: unknown team
    ]
    response = upload(admin_client, csv_bytes(rows), "users.csv")
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    for line, reason in [(3, "缺少用户名"), (4, "与第 2 行重复"), (5, "用户名“taken”已存在"),
                         (6, "未知角色“老板”"), (7, "未知片区“火星片区”"), (8, "未知团队“九组”")]:
        assert f"<td>{line}</td>" in text, line
        assert reason in text, reason
    assert "<td>2</td>" not in text
    assert user_count(db) == before


def test_team_name_in_two_regions_needs_region(admin_client, db, org):
    west = Region(name="华西片区")
    db.add(west)
    db.flush()
    db.add(Team(region=west, name="一组"))
    db.commit()
    response = upload(admin_client, csv_bytes(["amb,模糊,学员,,一组,"]), "users.csv")
    assert response.status_code == 422
    assert "请填写片区" in response.get_data(as_text=True)
    ok = upload(admin_client, csv_bytes(["amb,模糊,学员,华西片区,一组,"]), "users.csv")
    assert ok.status_code == 200
    assert fresh_user(db, "amb").team.region.name == "华西片区"


def test_unreadable_upload_is_422_with_message(admin_client, db):
    response = upload(admin_client, b"name\nzhang\n", "users.csv")
    assert response.status_code == 422
    assert "用户名" in response.get_data(as_text=True)


def test_wrong_extension_and_missing_file_are_422(admin_client):
    assert upload(admin_client, b"x", "users.txt").status_code == 422
    response = admin_client.post("/admin/import", data={}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "请选择要上传的文件" in response.get_data(as_text=True)


def test_import_service_is_all_or_nothing(db, org):
    rows = parse_upload(csv_bytes(["svc1,一", "svc1,二"], header="用户名,姓名"), "u.csv")
    with pytest.raises(bulk_import.ImportRejected) as caught:
        bulk_import.import_users(db, rows)
    assert [(p.line, p.reasons) for p in caught.value.problems] == [(3, ("用户名“svc1”与第 2 行重复",))]
    assert db.scalar(select(User).where(User.username == "svc1")) is None


def test_xlsx_zip_bomb_is_refused(monkeypatch):
    monkeypatch.setattr("academy.org.admin.importer.MAX_XLSX_UNZIPPED", 1000)
    data = xlsx_bytes([["username"], ["a"]])
    with pytest.raises(ImportFileError, match="过大"):
        parse_upload(data, "u.xlsx")
