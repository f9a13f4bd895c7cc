"""The hub's exceptions: each message is shown to a person as it is (French)."""

from __future__ import annotations

from arobase.errors import ArobaseError


class HubError(ArobaseError):
    """Base of the hub's errors."""


class InvalidAddress(HubError):
    """A subscriber's address is not usable on its channel (bad e-mail, apprise URL…)."""


class UnknownTopic(HubError):
    """A topic that the town file does not define."""


class UnknownChannel(HubError):
    """A channel name that no adapter handles."""


class NotFound(HubError):
    """No such source, message or subscriber."""


class Conflict(HubError):
    """The thing exists already (duplicate subscription, source name taken)."""


class InvalidInput(HubError):
    """A value given by a person is wrong (a date, a URL…): the message says why."""


class UnknownStreet(InvalidInput):
    """A street the town file's areas do not list."""


class FetchError(HubError):
    """A feed could not be fetched or read; the message is the reason shown in `sources list`."""


class StorageError(HubError):
    """The hub's database failed (unreachable, locked too long, refused a write); the cause is
    chained. Raised by the storage package only, whatever the database library."""


class StorageConflict(StorageError):
    """A write lost a race on a unique key (the same thing recorded meanwhile by another
    process): reading again shows the winner's result."""
