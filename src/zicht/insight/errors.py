"""Errors of the insight services, with Dutch messages for the user."""


class ReportValidationError(Exception):
    """Field name ("" for the whole request) → Dutch messages; nothing was written."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{k or 'rapport'}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors

    @property
    def messages(self) -> list[str]:
        return [message for messages in self.errors.values() for message in messages]
