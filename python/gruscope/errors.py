"""The one exception gruscope raises for what it refuses."""


class Error(ValueError):
    """A problem gruscope found: a wrong argument, an array of the wrong shape, a file it cannot
    read, a backend that cannot run here.

    ``str(e)`` is the engine's message, written to be read as it is: it names the argument, file
    or array at fault, what was expected and what was found. ``e.code`` names the kind of problem
    as the engine does: ``"invalid argument"``, ``"shape mismatch"``, ``"bad file"``,
    ``"unsupported"``, ``"resource limit"``, ``"device unavailable"``, ``"cancelled"`` or
    ``"internal error"``.

    It is a ``ValueError``, so ``except ValueError`` catches it too.
    """

    def __init__(self, message, code="invalid argument"):
        super().__init__(message)
        self.code = code

    def __reduce__(self):
        return (type(self), (str(self), self.code))
