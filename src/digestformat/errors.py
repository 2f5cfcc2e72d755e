"""The one exception type of digestformat."""

from __future__ import annotations

__all__ = ["DigestError"]


class DigestError(ValueError):
    """Input that digestformat cannot read, or a request it cannot honour.

    ``line`` and ``column`` are 1-based and point into the source text;
    ``offset`` is the byte offset for input that is not valid UTF-8. Errors
    that do not come from a place in the input (rendering a two-paper digest
    as a review post, say) have all three set to ``None``.
    """

    def __init__(
        self,
        msg: str,
        line: int | None = None,
        column: int | None = None,
        *,
        offset: int | None = None,
    ) -> None:
        self.msg = msg
        self.line = line
        self.column = column
        self.offset = offset
        super().__init__(self.__str__())

    def __str__(self) -> str:
        if self.line is None:
            return self.msg
        return f"{self.line}:{self.column}: {self.msg}"

    def __reduce__(self) -> tuple[object, ...]:  # keep it picklable for process pools
        return (_rebuild, (self.msg, self.line, self.column, self.offset))


def _rebuild(msg: str, line: int | None, column: int | None, offset: int | None) -> DigestError:
    return DigestError(msg, line, column, offset=offset)
