"""Errors of the research services, with Dutch messages for the user and an HTTP status."""


class ResearchError(Exception):
    """Refused; nothing was written. ``status`` is what the API answers (problem+json)."""

    status = 400

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        if status is not None:
            self.status = status


class ConflictError(ResearchError):
    """The request contradicts what was recorded before (a changed decision, another share)."""

    status = 409


class StateError(ResearchError):
    """The run is not in a state that allows this."""

    status = 409
