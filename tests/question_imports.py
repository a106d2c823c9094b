"""What the question-import tests share (tests/test_question_import*.py): the format fixtures and posting a file to
the import page as a trainer does."""
import io
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures" / "formats"


def upload(client, name: str, data: bytes, bank: str = "imported"):
    return client.post("/authoring/import", data={"bank": bank, "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")
