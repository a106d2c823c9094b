"""Admin pages: users, 片区/团队, permissions and the content problem list."""
import re

import pytest
from sqlalchemy import select

from academy.learning.content.catalog import Catalog
from academy.org.admin import services
from academy.org.auth.services import authenticate
from academy.org.models import LoginSession, Region, Team, User
from academy.platform.db import get_session
from academy.platform.problems import Problem
from tests.factories import login, make_user

ADMIN_ROUTES = [
    ("get", "/admin/users"),
    ("get", "/admin/users/new"),
    ("post", "/admin/users/new"),
    ("get", "/admin/users/1/edit"),
    ("post", "/admin/users/1/edit"),
    ("post", "/admin/users/1/deactivate"),
    ("post", "/admin/users/1/reset-password"),
    ("get", "/admin/org"),
    ("post", "/admin/regions"),
    ("post", "/admin/teams"),
    ("post", "/admin/regions/1"),
    ("post", "/admin/teams/1"),
    ("get", "/admin/import"),
    ("post", "/admin/import"),
    ("post", "/admin/import/passwords/x"),
]


@pytest.fixture
def org(db):
    east, west = Region(name="华东片区"), Region(name="华西片区")
    db.add_all([east, west])
    db.flush()
    teams = [Team(region=east, name="一组"), Team(region=east, name="二组"), Team(region=west, name="一组")]
    db.add_all(teams)
    db.commit()
    return {"east": east, "west": west, "east1": teams[0], "east2": teams[1], "west1": teams[2]}


def fresh_user(db, username: str) -> User | None:
    db.commit()  # end the read snapshot (SQLite WAL) so the request's commit is visible
    db.rollback()  # end the read snapshot
    return db.scalar(select(User).where(User.username == username))


def user_form(**overrides) -> dict:
    data = {"username": "newbie", "display_name": "新同事", "password": "secret-pass-1",
            "roles": ["trainee"], "team_id": "0", "active": "y"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# ---- permissions ------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["trainee", "trainer", "manager"])
@pytest.mark.parametrize(("method", "url"), ADMIN_ROUTES)
def test_non_admin_gets_403_on_every_admin_route(client, db, role, method, url):
    make_user(db, "someone", roles=(role,))
    db.commit()
    login(client, "someone")
    assert getattr(client, method)(url).status_code == 403


@pytest.mark.parametrize(("method", "url"), ADMIN_ROUTES + [("get", "/admin/content")])
def test_anonymous_is_sent_to_login(client, method, url):
    response = getattr(client, method)(url)
    assert response.status_code in (302, 303)
    assert "/login" in response.headers["Location"]


def test_content_page_denied_to_trainee_and_manager(client, db):
    make_user(db, "trainee1", roles=("trainee", "manager"))
    db.commit()
    login(client, "trainee1")
    assert client.get("/admin/content").status_code == 403


def test_every_admin_view_declares_its_roles(app):
    for endpoint, view in app.view_functions.items():
        if endpoint.startswith("admin."):
            assert view.allowed_roles == frozenset({"admin"}), endpoint
    assert app.view_functions["content.problems"].allowed_roles == frozenset({"trainer", "admin"})


# ---- users ------------------------------------------------------------------------------

def test_admin_creates_user_with_team_roles_and_scope(admin_client, db, org):
    form = user_form(roles=["trainee", "manager"], team_id=str(org["east1"].id),
                     scopes=[f"r:{org['east'].id}", f"t:{org['west1'].id}"])
    response = admin_client.post("/admin/users/new", data=form)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/users")
    user = fresh_user(db, "newbie")
    assert user.display_name == "新同事" and user.active
    assert user.roles == {"trainee", "manager"}
    assert user.team_id == org["east1"].id
    assert {(s.region_id, s.team_id) for s in user.scopes} == {(org["east"].id, None), (None, org["west1"].id)}
    assert authenticate(db, "newbie", "secret-pass-1") is not None
    listing = admin_client.get("/admin/users?q=newbie").get_data(as_text=True)
    assert "新同事" in listing and "华东片区 / 一组" in listing and "经理" in listing


def test_scope_is_dropped_for_non_managers(admin_client, db, org):
    form = user_form(roles=["trainer"], scopes=[f"r:{org['east'].id}"])
    assert admin_client.post("/admin/users/new", data=form).status_code == 302
    assert fresh_user(db, "newbie").scopes == []


@pytest.mark.parametrize(("overrides", "message"), [
    ({"password": None}, "请设置初始密码"),
    ({"password": "short"}, "密码至少"),
    ({"roles": None}, "请至少选择一个角色"),
    ({"username": "boss"}, "用户名“boss”已存在"),
    ({"username": ""}, "请输入用户名"),
])
def test_create_user_rejections_are_422_with_chinese_message(admin_client, db, overrides, message):
    response = admin_client.post("/admin/users/new", data=user_form(**overrides))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert fresh_user(db, "newbie") is None


def test_admin_edits_user_without_changing_password(admin_client, db, org):
    user = make_user(db, "zhang", roles=("trainee",))
    db.commit()
    old_hash = fresh_user(db, "zhang").password_hash
    page = admin_client.get(f"/admin/users/{user.id}/edit")
    assert page.status_code == 200 and 'value="zhang"' in page.get_data(as_text=True)
    form = user_form(username="zhang", display_name="张三丰", password="", roles=["trainer"],
                     team_id=str(org["east2"].id))
    assert admin_client.post(f"/admin/users/{user.id}/edit", data=form).status_code == 302
    edited = fresh_user(db, "zhang")
    assert (edited.display_name, edited.roles, edited.team_id) == ("张三丰", {"trainer"}, org["east2"].id)
    assert edited.password_hash == old_hash


def test_admin_resets_password(admin_client, db):
    user = make_user(db, "li", roles=("trainee",))
    db.commit()
    form = user_form(username="li", display_name="李四", password="brand-new-pass")
    assert admin_client.post(f"/admin/users/{user.id}/edit", data=form).status_code == 302
    assert fresh_user(db, "li").display_name == "李四"
    assert authenticate(db, "li", "brand-new-pass") is not None
    assert authenticate(db, "li", "pw-123456") is None


def test_edit_to_taken_username_is_422(admin_client, db):
    user = make_user(db, "wang")
    db.commit()
    response = admin_client.post(f"/admin/users/{user.id}/edit", data=user_form(username="boss", password=""))
    assert response.status_code == 422
    assert "已存在" in response.get_data(as_text=True)
    assert fresh_user(db, "wang") is not None


def test_edit_unknown_user_is_404(admin_client):
    assert admin_client.get("/admin/users/99999/edit").status_code == 404


def test_admin_cannot_remove_own_admin_role(admin_client, db):
    boss = fresh_user(db, "boss")
    form = user_form(username="boss", display_name="老板", password="", roles=["trainer"])
    response = admin_client.post(f"/admin/users/{boss.id}/edit", data=form)
    assert response.status_code == 422
    assert "不能取消你自己的管理员角色" in response.get_data(as_text=True)
    assert fresh_user(db, "boss").roles == {"admin"}


def test_deactivate_ends_the_users_existing_session(app):
    # Own app contexts instead of the `db` fixture: requests made while a test-level app
    # context is pushed share its `g`, so Flask-Login would reuse one cached user for both clients.
    with app.app_context():
        make_user(get_session(), "boss", roles=("admin",))
        victim_id = make_user(get_session(), "victim", roles=("admin",)).id
    admin, victim = app.test_client(), app.test_client()
    login(admin, "boss")
    login(victim, "victim")
    assert victim.get("/admin/users").status_code == 200

    assert admin.post(f"/admin/users/{victim_id}/deactivate").status_code == 302

    after = victim.get("/admin/users")
    assert after.status_code in (302, 303) and "/login" in after.headers["Location"]
    with app.app_context():
        session = get_session()
        assert session.get(User, victim_id).active is False
        rows = session.scalars(select(LoginSession).where(LoginSession.user_id == victim_id)).all()
        assert rows and all(row.revoked_at is not None for row in rows)
        assert authenticate(session, "victim", "pw-123456") is None


def test_admin_cannot_deactivate_self(admin_client, db):
    boss = fresh_user(db, "boss")
    response = admin_client.post(f"/admin/users/{boss.id}/deactivate")
    assert response.status_code == 422
    assert "不能停用你自己的账号" in response.get_data(as_text=True)
    assert fresh_user(db, "boss").active is True


def test_user_list_filters_by_query(admin_client, db):
    make_user(db, "alice")
    make_user(db, "bob")
    db.commit()
    page = admin_client.get("/admin/users?q=ali").get_data(as_text=True)
    assert "alice" in page and "bob" not in page
    assert "alice" not in admin_client.get("/admin/users?q=a%25e").get_data(as_text=True)


# ---- 片区 and 团队 -----------------------------------------------------------------------

def test_org_page_lists_regions_and_teams(admin_client, org):
    page = admin_client.get("/admin/org")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "华东片区" in text and "二组" in text and "华西片区" in text


def test_create_region_and_duplicate_is_422(admin_client, db):
    assert admin_client.post("/admin/regions", data={"new-region-name": "华南片区"}).status_code == 302
    assert db.scalar(select(Region).where(Region.name == "华南片区")) is not None
    response = admin_client.post("/admin/regions", data={"new-region-name": "华南片区"})
    assert response.status_code == 422
    assert "片区“华南片区”已存在" in response.get_data(as_text=True)


def test_create_team_and_duplicate_in_same_region_is_422(admin_client, db, org):
    east, west = org["east"].id, org["west"].id
    assert admin_client.post("/admin/teams", data={"new-team-region_id": east, "new-team-name": "三组"}).status_code == 302
    assert admin_client.post("/admin/teams", data={"new-team-region_id": west, "new-team-name": "二组"}).status_code == 302
    response = admin_client.post("/admin/teams", data={"new-team-region_id": east, "new-team-name": "一组"})
    assert response.status_code == 422
    assert "已有团队“一组”" in response.get_data(as_text=True)


def test_rename_region_and_duplicate_is_422(admin_client, db, org):
    east = org["east"].id
    prefix = f"region-{east}"
    response = admin_client.post(f"/admin/regions/{east}", data={f"{prefix}-name": "华西片区", f"{prefix}-active": "y"})
    assert response.status_code == 422
    assert "片区“华西片区”已存在" in response.get_data(as_text=True)
    response = admin_client.post(f"/admin/regions/{east}", data={f"{prefix}-name": "东部片区", f"{prefix}-active": "y"})
    assert response.status_code == 302
    db.commit()
    db.rollback()  # end the read snapshot
    assert db.get(Region, east).name == "东部片区"


def test_rename_team_duplicate_is_422_and_unticking_active_deactivates(admin_client, db, org):
    team = org["east2"].id
    prefix = f"team-{team}"
    response = admin_client.post(f"/admin/teams/{team}", data={f"{prefix}-name": "一组", f"{prefix}-active": "y"})
    assert response.status_code == 422
    assert "已有团队“一组”" in response.get_data(as_text=True)
    assert admin_client.post(f"/admin/teams/{team}", data={f"{prefix}-name": "二组"}).status_code == 302
    db.commit()
    db.rollback()  # end the read snapshot
    assert db.get(Team, team).active is False


def test_region_service_rejects_blank_name(db):
    with pytest.raises(services.AdminRejected):
        services.create_region(db, "   ")


# ---- content problems -------------------------------------------------------------------

def _trainer_client(client, db):
    make_user(db, "teacher", roles=("trainer",))
    db.commit()
    login(client, "teacher")
    return client


def test_trainer_sees_content_problems(client, db, monkeypatch):
    problem = Problem("quizzes/bad.md", 7, "E201", "选项缺少正确答案")
    monkeypatch.setattr("academy.learning.content.views.get_catalog", lambda: Catalog(problems=(problem,)))
    page = _trainer_client(client, db).get("/admin/content")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "quizzes/bad.md" in text and "E201" in text and "选项缺少正确答案" in text
    assert "内容全部通过检查" not in text


def test_content_page_says_all_clear_when_no_problems(client, db, monkeypatch):
    monkeypatch.setattr("academy.learning.content.views.get_catalog", lambda: Catalog())
    text = _trainer_client(client, db).get("/admin/content").get_data(as_text=True)
    assert "内容全部通过检查" in text


# ---- CSRF -------------------------------------------------------------------------------

def test_admin_posts_require_csrf_and_prefixed_tokens_work(csrf_app, csrf_client):
    with csrf_app.app_context():
        session = get_session()
        make_user(session, "boss", roles=("admin",))
        target_id = make_user(session, "target").id
        region = Region(name="华北片区")
        session.add(region)
        session.commit()
        region_id = region.id
    login_page = csrf_client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
    csrf_client.post("/login", data={"username": "boss", "password": "pw-123456", "csrf_token": token})

    assert csrf_client.post(f"/admin/users/{target_id}/deactivate").status_code == 400
    assert csrf_client.post(f"/admin/regions/{region_id}", data={f"region-{region_id}-name": "x"}).status_code == 400

    page = csrf_client.get("/admin/org").get_data(as_text=True)
    pattern = rf'name="region-{region_id}-csrf_token" type="hidden" value="([^"]+)"'
    region_token = re.search(pattern, page).group(1)
    data = {f"region-{region_id}-name": "北方片区", f"region-{region_id}-active": "y",
            f"region-{region_id}-csrf_token": region_token}
    assert csrf_client.post(f"/admin/regions/{region_id}", data=data).status_code == 302
    with csrf_app.app_context():
        assert get_session().get(Region, region_id).name == "北方片区"
