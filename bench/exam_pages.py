"""What the exam scenario reads from the pages it is served: the form's CSRF token and the questions' radio buttons.
Shared by the Locust learners (exam_locustfile.py) and the one-process run (exam_cpu.py)."""
import re

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
RADIO = re.compile(r'<input type="radio" name="(q-[^"]+)" value="([^"]+)"')
