"""`python app.py --demo`: an idempotent demo organisation with varied, realistic progress.

Accounts it creates get the demo password; an account that already exists keeps its password (above all the
admin whose initial password the first start printed), and the summary printed says which ones did.
"""
import random
import secrets
from datetime import timedelta

from sqlalchemy import select

from academy.learning.content.catalog import get_catalog
from academy.learning.courses.services import complete_lesson
from academy.learning.models import Assignment
from academy.learning.questions import TYPES
from academy.learning.quizzes import services as quiz_services
from academy.learning.quizzes.versions import attempt_quiz
from academy.learning.roleplay.services import record_review
from academy.org.auth.services import hash_password
from academy.org.coaching.services import NoteData, record_note
from academy.org.models import ManagerScope, Region, Team, User, utcnow
from academy.platform import clock
from academy.platform.db import get_session

REGIONS = {"华东片区": ["政务一组", "政企二组"], "西南片区": ["行业拓展组", "大客户组"]}
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧"
GIVEN = ["伟", "芳", "敏", "静", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超", "秀英", "霞", "平", "刚", "桂英", "丹"]
# A misconception one 片区 shares, on each learner's first attempt: 西南 was taught to read a budget off last year's
# award notices.  The item analysis shows it as a 片区共同错误 (a gap in that 片区's training, not a bad item).
REGIONAL_HABITS = {"西南片区": {"clients-q04": "c"}}


def seed_demo(password: str | None = None) -> str:
    session = get_session()
    if session.scalar(select(User).where(User.username == "trainee1")) is not None:
        return "演示数据已存在，未做改动（所有账号的密码也都保持不变）。"
    password = password or secrets.token_urlsafe(9)
    digest = hash_password(password)
    kept = list(session.scalars(select(User.username).where(User.username.in_(STAFF)).order_by(User.id)))
    teams = _org(session)
    staff = _staff(session, digest, teams)
    rng = random.Random(20261127)
    trainees = [_user(session, f"trainee{i}", _name(i), digest, {"trainee"}, teams[(i - 1) % len(teams)]) for i in range(1, 31)]
    catalog = get_catalog()
    for index, user in enumerate(trainees):
        _progress(session, user, catalog, rng, index, staff["trainer1"])
    _assignments(session, staff, teams, trainees, catalog)
    _coaching(session, staff, trainees)
    session.commit()
    return _summary(password, kept)


def _summary(password: str, kept: list[str]) -> str:
    """What the terminal says: which accounts have the demo password, and which existing ones kept theirs."""
    lines = ["演示组织已创建：2 个片区、4 个团队、admin / trainer1 / manager1 / manager2 / trainee1…trainee30。"]
    if not kept:
        lines.append(f"所有演示账号的密码：{password}")
        return "\n".join(lines)
    lines.append(f"新建的演示账号的密码：{password}")
    lines.append(f"已存在的账号 {'、'.join(kept)} 保留原来的密码，没有改动"
                 + ("（admin 仍用首次启动时终端打印的初始密码登录）。" if "admin" in kept else "。"))
    return "\n".join(lines)


def _name(i: int) -> str:
    return SURNAMES[i % len(SURNAMES)] + GIVEN[(i * 7) % len(GIVEN)]


def _org(session) -> list[Team]:
    teams = []
    for region_name, team_names in REGIONS.items():
        region = session.scalar(select(Region).where(Region.name == region_name)) or Region(name=region_name)
        session.add(region)
        session.flush()
        for name in team_names:
            team = session.scalar(select(Team).where(Team.region_id == region.id, Team.name == name))
            team = team or Team(region=region, name=name)
            session.add(team)
            teams.append(team)
    session.flush()
    return teams


def _user(session, username: str, name: str, digest: str, roles: set[str], team: Team | None = None) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        user = User(username=username, display_name=name, password_hash=digest, team=team)
        session.add(user)
    user.set_roles(user.roles | roles)
    session.flush()
    return user


STAFF = ("admin", "trainer1", "manager1", "manager2")


def _staff(session, digest: str, teams: list[Team]) -> dict[str, User]:
    staff = {
        "admin": _user(session, "admin", "系统管理员", digest, {"admin"}),
        "trainer1": _user(session, "trainer1", "培训师·周老师", digest, {"trainer"}),
        "manager1": _user(session, "manager1", "华东片区经理·钱经理", digest, {"manager"}, teams[0]),
        "manager2": _user(session, "manager2", "西南片区经理·孙经理", digest, {"manager"}, teams[2]),
    }
    staff["manager1"].scopes.append(ManagerScope(region_id=teams[0].region_id))
    staff["manager2"].scopes.append(ManagerScope(region_id=teams[2].region_id))
    session.flush()
    return staff


def _assignments(session, staff: dict[str, User], teams: list[Team], trainees: list[User], catalog) -> None:
    """manager1's assignments in 华东片区: one overdue for the whole region (people who have not finished the
    first module are 已逾期), one due soon for 政务一组, and a 商机阶段 drill for one person; manager2 one for
    西南片区 (what manager1 must never see)."""
    today = clock.today()
    modules = catalog.trainee_view.modules
    first, second = modules[0].id, modules[1].id
    manager1, manager2 = staff["manager1"].id, staff["manager2"].id
    session.add_all([
        Assignment(kind="module", target_id=first, region_id=teams[0].region_id, due_on=today - timedelta(days=3),
                   note="季度必修", created_by=manager1),
        Assignment(kind="module", target_id=second, team_id=teams[0].id, due_on=today + timedelta(days=2),
                   created_by=manager1),
        Assignment(kind="stage", target_id="招标采购", user_id=trainees[0].id, due_on=today + timedelta(days=10),
                   note="客户项目已进入招标阶段", created_by=manager1),
        Assignment(kind="module", target_id=first, region_id=teams[2].region_id, due_on=today - timedelta(days=1),
                   created_by=manager2),
    ])
    session.flush()


# (coach, learner's number, days ago, topic, what was discussed, next step, follow-up days after the talk)
COACHING = (
    ("manager1", 6, 12, "采购意向公开",
     "复盘区教育局智慧教室项目的跟进。她把采购意向里的“预计采购时间”当成了开标时间，准备节奏偏晚。一起对照了财库〔2020〕10 号文："
     "意向公开不晚于采购活动开始前 30 日，实际时间以采购公告为准。",
     "按最早可能的公告时间倒排资质、业绩和方案的准备；练一轮错题本里“预算”相关的题。", 7),
    ("manager1", 6, 3, "预算",
     "跟进上次的约定：资质和业绩材料已整理好，错题本里“预算”的题练过一轮，还有两道没掌握。她能说清楚意向公开与采购公告的关系了。",
     "下周拜访使用部门时，先确认项目的资金来源和预算批复情况，回来一起复盘。", 14),
    ("manager1", 2, 9, "关系人地图",
     "看了他的开放式演练“政务服务中心关系人地图”。只画了信息中心，漏了使用部门和财务，也没写清谁审批预算。",
     "补全关系人地图：找到使用部门负责人，确认预算审批链，拿给我看。", 5),
    ("manager1", 5, 2, "红线",
     "谈了上次情景题触发红线的原因：想在开标前私下向评审专家打听评分细则。这是违规的，任何时候都不能联系评审专家；"
     "对招标文件有疑问，按规定以书面形式提出澄清。",
     "重读“澄清与质疑：在规定期限内走正式渠道”和“合规自检清单与婉拒—记录—报备”两节，下次拜访前给我口头复述三条。", None),
    ("manager2", 3, 6, "FABE",
     "陪访后复盘：介绍方案时一直在讲功能参数，客户问“对我们有什么用”时没接住。",
     "用 FABE 重写方案的三个卖点，每个都落到客户的利益和证据上。", 10),
)


def _coaching(session, staff: dict[str, User], trainees: list[User]) -> None:
    """Coaching notes written through the service as on the days they were held: manager1 has one follow-up overdue
    (trainee2), trainee6 reads two notes, the second following up the first; manager2 one in 西南片区."""
    today = clock.today()
    for coach, number, days_ago, topic, summary, next_step, follow_up in COACHING:
        held = today - timedelta(days=days_ago)
        data = NoteData(held, topic, summary, next_step, held + timedelta(days=follow_up) if follow_up else None)
        record_note(session, staff[coach], trainees[number - 1].id, data, held)


def _progress(session, user: User, catalog, rng: random.Random, index: int, trainer: User) -> None:
    skill = 0.45 + 0.5 * rng.random()
    modules_reached = index % 5  # 0..4 modules worked on
    now = utcnow()
    start = now - timedelta(days=40 - index)
    for m_index, module in enumerate(catalog.modules[: modules_reached + 1]):
        last = m_index == modules_reached
        # Spread over the weeks (the manager's progress-by-week chart), never in the future.
        when = min(start + timedelta(days=m_index * 5), now - timedelta(days=1))
        lessons = module.lessons[: rng.randint(0, len(module.lessons))] if last else module.lessons
        for number, lesson in enumerate(lessons):
            complete_lesson(session, user.id, lesson, when - timedelta(hours=3 * (len(lessons) - number)))
        if lessons == module.lessons or rng.random() < 0.3:
            # Earlier modules are mastered (so the next one unlocks); the current one shows real variety.
            module_skill = skill if last else 1.0
            for quiz in catalog.quizzes_for(module.id):
                _attempts(session, user, quiz, rng, module_skill, when, trainer)


def _habits(user: User) -> dict:
    return REGIONAL_HABITS.get(user.team.region.name, {}) if user.team else {}


def _attempts(session, user: User, quiz, rng: random.Random, skill: float, when, trainer: User) -> None:
    for number in range(rng.randint(1, min(2, quiz.attempts or 2))):
        attempt = quiz_services.start_attempt(session, user.id, quiz, when)
        taken = attempt_quiz(attempt)  # with the items this attempt drew from a question bank
        answers = _sample_answers(taken, rng, min(1.0, skill + 0.15 * number))
        if number == 0:
            answers.update((item_id, answer) for item_id, answer in _habits(user).items() if taken.item(item_id))
        quiz_services.submit_attempt(session, attempt, taken, answers, when + timedelta(minutes=15))
        if attempt.state == "review" and (skill >= 1.0 or rng.random() < 0.7):
            levels = {item.id: {"levels": {str(i): _level(item, rng, skill) for i in range(len(item.criteria))},
                                "comments": {"0": "结构清楚，注意把合规边界说在前面。"}, "summary": "整体不错，继续保持。"}
                      for item in taken.items if item.criteria}  # items scored on a rubric
            record_review(session, trainer, attempt, taken, levels, when + timedelta(days=1))
        if attempt.passed:
            break
        when += timedelta(days=1)


def _level(item, rng: random.Random, skill: float) -> float:
    points = sorted(p for _, p in item.levels)
    return points[-1] if rng.random() < skill else points[len(points) // 2]


def _sample_answers(quiz, rng, skill: float) -> dict:
    """Plausible answers: each item right with probability `skill`, otherwise a typical mistake."""
    return {item.id: answer for item in quiz.items if (answer := TYPES[item.type].sample(item, rng, skill)) is not None}
