from academy.models.learning import (
    Attempt,
    ItemResult,
    LessonProgress,
    MistakeEntry,
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
    "QuizVersion", "Region", "RoleplayReview", "Team", "User", "UserRole", "XapiStatement",
]
