"""Learning: courses and lessons, quizzes and question types, the 错题本, role-plays, learning records."""
