"""What a complaint workflow step raises when it cannot be taken."""

class ComplaintError(ValueError):
    """A workflow step that cannot be taken; `message` is shown to staff."""

    def __init__(self, message: object) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)  # translated when shown, not when raised


class ImpartialityError(ComplaintError):
    """The chosen person took part in the matter and may not handle or decide it."""
