"""Validation errors of the register, shaped so forms, the API and imports can all show them."""


class RegisterValidationError(Exception):
    """Field name → Dutch messages. ``""`` holds messages about the whole record."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{k or 'signaal'}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors

    def text(self) -> str:
        """All messages as one sentence, for a flash message."""
        return " ".join(message for messages in self.errors.values() for message in messages)


class BulkValidationError(Exception):
    """Problems in a batch of signals, per item (0-based index): field name → Dutch messages.

    Raised before anything is written: a batch is stored whole or not at all.
    """

    def __init__(self, errors: dict[int, dict[str, list[str]]]) -> None:
        super().__init__(f"{len(errors)} item(s) in the batch are invalid")
        self.errors = errors

    def text(self) -> str:
        """All messages as one sentence, for a flash message."""
        return " ".join(message for messages in self.errors.values() for message in messages)


class ImportValidationError(Exception):
    """A file that cannot be imported: row number (as a spreadsheet shows it) → Dutch messages.

    Row 1 is the header; problems with the file as a whole are reported on row 1 too.
    """

    def __init__(self, row_errors: dict[int, list[str]]) -> None:
        super().__init__(f"{len(row_errors)} row(s) in the file are invalid")
        self.row_errors = dict(sorted(row_errors.items()))
