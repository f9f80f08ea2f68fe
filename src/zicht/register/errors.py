"""Validation errors of the register, shaped so forms, the API and imports can all show them."""


class RegisterValidationError(Exception):
    """Field name → Dutch messages. ``""`` holds messages about the whole record."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{k or 'signaal'}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors
