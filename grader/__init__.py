"""Auto-graded exercises and quizzes for an introductory neural-network course."""

__version__ = "0.1.0"
