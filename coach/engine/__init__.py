"""The coaching engine: classifier, dialogue protocol, interpreters and writers."""

from coach.engine.classifier import classify, read

__all__ = ["classify", "read"]
