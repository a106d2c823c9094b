"""Manager reports (/reports): roll-ups, competency and 商机阶段 readiness, drill-down, coaching and exports, on
org.scope and the explicitly refreshed derived tables (quiz_tally, lesson_progress, attempt_item).  May use
learning, org and platform; never authoring."""
