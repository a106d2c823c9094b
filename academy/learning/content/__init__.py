"""Content pipeline: courses/ and quizzes/ parsed once into frozen dataclasses."""
