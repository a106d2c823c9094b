"""Quiz Markdown, the file format: line syntax, the item model, and the parser that collects every problem
with its line.  What differs per question type is in the registry (academy.learning.questions)."""
