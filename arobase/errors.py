"""One exception tree for Arobase; messages are shown to people as they are."""


class ArobaseError(Exception):
    """Base of every error Arobase raises on purpose."""


class TownContentError(ArobaseError):
    """The town content file is wrong: names the file, the key and the reason."""

    def __init__(self, file: str, key: str, reason: str) -> None:
        self.file, self.key, self.reason = file, key, reason
        super().__init__(f"{file}: {key}: {reason}")
