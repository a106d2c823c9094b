"""Trainer authoring: the content store (store.py: versions of courses and quizzes in the database, drafts,
publishing, grants, file import), the workspace at /authoring (views.py, previews in preview.py) and the bank
pages (bank_views.py).  May use learning, org and platform."""
