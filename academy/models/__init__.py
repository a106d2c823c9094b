from academy.models.learning import (
    Attempt,
    LessonProgress,
    MistakeEntry,
    PracticeRound,
    QuizTally,
    QuizVersion,
    RoleplayReview,
    XapiStatement,
)
from academy.models.org import (
    ROLES,
    LoginSession,
    ManagerScope,
    Region,
    Team,
    User,
    UserRole,
)

__all__ = [
    "ROLES", "Attempt", "LessonProgress", "LoginSession", "ManagerScope", "MistakeEntry",
    "PracticeRound", "QuizTally", "QuizVersion", "Region", "RoleplayReview", "Team", "User", "UserRole", "XapiStatement",
]
