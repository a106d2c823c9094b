from academy.models.learning import (
    Attempt,
    ItemResult,
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
    "ROLES", "Attempt", "ItemResult", "LessonProgress", "LoginSession", "ManagerScope", "MistakeEntry",
    "PracticeRound", "QuizTally", "QuizVersion", "Region", "RoleplayReview", "Team", "User", "UserRole", "XapiStatement",
]
