"""Learning: courses and lessons, quizzes and question types, the 错题本, role-plays, learning records."""
from academy.learning import team_rows  # noqa: F401  the team sums' declarations, wherever learning rows are written
