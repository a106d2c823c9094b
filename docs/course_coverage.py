"""Regenerate docs/course-coverage.md:  python docs/course_coverage.py > docs/course-coverage.md

Concept coverage of the course (issue 17, item 6): for every concept named in a lesson's front matter
(`concepts:`), the lessons that teach it and the number of scored items whose `concepts=` name it; the seed
article's terms mapped to those concept names; and the size of the course.  "Scored item" = every item of every
quiz except sample-all-types (a format demo), with scenario sub-items counted one by one and neither the
scenario container nor `info` items counted.  (tests/test_course.py also counts scenario containers, so its
counts can be a little higher.)
"""
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from academy.learning.content.catalog import load_full_catalog  # noqa: E402  (after the path is set)

EXCLUDED = {"sample-all-types"}
MIN_ITEMS = 2
# The seed article's terms (../shared/seed/000_a1d343e77738b6da.txt) -> the concept names the course uses.
SEED = {
    "组织特点（多层级决策、部门利益冲突、长周期采购）": ["多层级决策", "部门利益冲突", "长周期采购"],
    "采购三因素（预算、合规性要求、长期合作关系）": ["预算", "合规要求", "长期合作"],
    "购买决策过程（需求识别、方案制定、招标与评估、合同签署）": ["需求识别", "方案制定", "招标与评估", "合同签署"],
    "四类角色（决策者、使用者、采购员、评估者）": ["决策者", "使用者", "采购员", "评估者"],
    "五类信息（基础、业务、组织、交易、个人）": ["五类客户信息"],
    "四种信息收集方法": ["一般信息查询法", "周边了解法", "现场观察法", "关键访谈法"],
    "MAN 分析法": ["MAN法则"],
    "需求度": ["需求度"],
    "购买力（支付能力和意愿）": ["购买力"],
    "决策力（影响力和决策权）": ["决策力"],
    "找到决策关键人": ["关键决策人"],
    "五维组织关系人分析": ["五维关系人分析", "五维关系人表"],
    "沟通风格": ["沟通风格"],
    "场景的发现与问题导向": ["场景发现", "问题导向"],
    "痛点分析": ["痛点分析"],
    "引导客户探索解决方案：FABE": ["FABE", "证据可核验"],
    "经营思维（投入、产出、利润、可持续）": ["经营思维"],
    "信任的建立：信任金字塔（安全、价值、依赖）": ["信任金字塔"],
    "礼尚往来（改写为合规往来）": ["合规往来"],
    "定期拜访": ["定期拜访"],
    "信息刺激": ["信息刺激"],
    "片区管理者（商机盘点与拜访复盘辅导）": ["商机盘点辅导", "拜访复盘辅导"],
}


def main() -> None:
    catalog = load_full_catalog(ROOT)
    lessons = [lesson for module in catalog.modules for lesson in module.lessons]
    taught = defaultdict(list)
    for lesson in lessons:
        for concept in lesson.concepts:
            taught[concept].append(lesson.id)
    quizzes = [q for q in catalog.quizzes if q.id not in EXCLUDED]
    scored = [(q, i) for q in quizzes for i in q.all_items() if i.type not in ("info", "scenario")]
    assessed = Counter(c for _, i in scored for c in set(i.concepts))
    types = Counter(i.type for _, i in scored)
    scenarios = sum(1 for q in quizzes for i in q.all_items() if i.type == "scenario")

    out = [
        "# 课程概念覆盖与规模",
        "",
        "本页由 `python docs/course_coverage.py > docs/course-coverage.md` 生成（脚本在 `docs/course_coverage.py`），"
        "内容或题库改动后重新运行即可。“计分题”指除 `sample-all-types`（格式示例）以外全部测验中的题目：情景题的子题逐个计数，"
        "情景题本身和说明（info）不计。种子教材：`../shared/seed/000_a1d343e77738b6da.txt`。",
        "",
        "## 规模",
        "",
        f"- 模块 {len(catalog.modules)} 个，课时 {len(lessons)} 节，课时正文共 {sum(lesson.chars for lesson in lessons):,} 字符"
        f"（每节 {min(lesson.chars for lesson in lessons)}–{max(lesson.chars for lesson in lessons)}）；",
        f"- 测验 {len(quizzes)} 个（另有格式示例 sample-all-types 不计），计分题 {len(scored)} 道，情景题 {scenarios} 道（其子题已计入）；",
        f"- 对话演练 {types['dialogue']} 个，角色扮演 {types['roleplay']} 个。",
        "",
        "| 题型 | 道数 |",
        "|---|---|",
        *(f"| {t} | {n} |" for t, n in sorted(types.items(), key=lambda kv: -kv[1])),
        "",
        "## 种子教材的概念",
        "",
        f"每个种子概念都要在课时中讲授，并被至少 {MIN_ITEMS} 道计分题考查。“题数”按课程使用的概念名分别列出。",
        "",
        "| 种子概念 | 课程中的概念名：题数 | 讲授课时 | 达标 |",
        "|---|---|---|---|",
    ]
    for seed, names in SEED.items():
        counts = "；".join(f"{n}：{assessed[n]}" for n in names)
        where = "、".join(sorted({lesson for n in names for lesson in taught[n]})) or "—"
        ok = all(taught[n] and assessed[n] >= MIN_ITEMS for n in names)
        out.append(f"| {seed} | {counts} | {where} | {'是' if ok else '**否**'} |")
    out += [
        "",
        "## 课时概念覆盖表",
        "",
        f"课时 front matter `concepts:` 中的全部概念（按课时顺序）。题数 < {MIN_ITEMS} 的标为 **不足**。",
        "",
        "| 概念 | 讲授课时 | 计分题数 |",
        "|---|---|---|",
    ]
    for concept, where in taught.items():
        flag = "" if assessed[concept] >= MIN_ITEMS else " **不足**"
        out.append(f"| {concept} | {'、'.join(where)} | {assessed[concept]}{flag} |")
    untaught = sorted(set(assessed) - set(taught))
    out += ["", "题目标注了、但没有课时在 `concepts:` 中列出的概念：" + ("、".join(untaught) if untaught else "无") + "。"]
    print("\n".join(out))


if __name__ == "__main__":
    main()
