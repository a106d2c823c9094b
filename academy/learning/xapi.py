"""xAPI 1.0.3 statements (exported as JSON lines by academy/xapi_export.py).  Lesson events are stored as they
happen; attempt events are built from the attempt itself at export (the attempt row is their record)."""
import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from academy.learning.models import XapiStatement

BASE_IRI = "https://academy.invalid/xapi"
VERBS = {
    "experienced": "http://adlnet.gov/expapi/verbs/experienced",
    "attempted": "http://adlnet.gov/expapi/verbs/attempted",
    "answered": "http://adlnet.gov/expapi/verbs/answered",
    "completed": "http://adlnet.gov/expapi/verbs/completed",
    "passed": "http://adlnet.gov/expapi/verbs/passed",
    "failed": "http://adlnet.gov/expapi/verbs/failed",
}


def activity_id(*parts: str) -> str:
    return "/".join([BASE_IRI, "activities", *parts])


# Derived statements get name-based ids, so that exporting an attempt again gives the same statements.  The
# name holds the learner and the event's time (to the microsecond) as well as the attempt id, so that two
# installations exporting to one LRS do not give different statements the same id.
NAMESPACE = uuid.UUID("6f1b3c1e-2d4a-5b8e-9c0d-7a6e5f4b3a21")


def derived_id(*parts) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join(map(str, parts))))


def build_statement(user_id: int, verb: str, object_id: str, name: str, when: datetime, result: dict | None = None,
                    parent: str | None = None, statement_id: str | None = None) -> dict:
    statement = {
        "id": statement_id or str(uuid.uuid4()),
        "actor": {"objectType": "Agent", "account": {"homePage": BASE_IRI, "name": f"user-{user_id}"}},
        "verb": {"id": VERBS[verb], "display": {"en-US": verb}},
        "object": {"objectType": "Activity", "id": object_id, "definition": {"name": {"zh-CN": name}}},
        "timestamp": when.isoformat() + "Z",
        "version": "1.0.3",
    }
    if result:
        statement["result"] = result
    if parent:
        statement["context"] = {"contextActivities": {"parent": [{"id": parent}]}}
    return statement


def statement_row(user_id: int, verb: str, object_id: str, name: str, when: datetime, **extra) -> dict:
    """A built statement as an xapi_statement row."""
    statement = build_statement(user_id, verb, object_id, name, when, **extra)
    return {"statement_id": statement["id"], "user_id": user_id, "verb": verb, "timestamp": when, "statement": statement}


def record(session: Session, user_id: int, verb: str, object_id: str, name: str, when: datetime, **extra) -> None:
    store(session, [statement_row(user_id, verb, object_id, name, when, **extra)])


def store(session: Session, rows: list[dict]) -> None:
    """Add statement rows (a write-only log) to the session; they are written at its next flush."""
    session.add_all(XapiStatement(**row) for row in rows)
    session.flush()


def score_result(score: float, max_score: float, success: bool | None = None, completion: bool = True) -> dict:
    scaled = score / max_score if max_score else 0.0
    result = {"score": {"raw": round(score, 4), "min": 0, "max": max_score, "scaled": round(scaled, 4)}, "completion": completion}
    if success is not None:
        result["success"] = success
    return result
