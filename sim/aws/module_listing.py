"""Moto's list of its service packages, read from disk once instead of on every request.

Moto's dispatcher asks `list_of_moto_modules()` whether a request's host names a service
package, and that lists Moto's directory and stats each of its ~180 entries: about 1 ms of
the ~3 ms an EC2 describe costs, spent under the dispatcher's lock, so concurrent requests
waited on it in turn. The installed package does not change while the server runs.
"""

from collections.abc import Iterable

from moto import backends

_listed = tuple(backends.list_of_moto_modules())


def list_of_moto_modules() -> Iterable[str]:
    return iter(_listed)


def install() -> None:
    backends.list_of_moto_modules = list_of_moto_modules  # type: ignore[assignment]
