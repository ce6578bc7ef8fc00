"""A resource's own EC2 tags read by its ID, not by scanning every tag of the region.

Moto answers `resource.get_tags()` with `describe_tags(filters={"resource-id": [id]})`, which
walks every tag of every resource in the backend and matches each against a regex. Filtered
describes (`tag:cellbridge:mesh`, …) call it for every resource they look at, so a describe
cost grew with the square of the meshes held: with 100 backbone meshes a tag-filtered
DescribeTransitGateways took 150 ms of CPU instead of 3 ms, and the scale bench's requests
queued past the SDK's timeout.

An ID without wildcard characters matches itself only (Moto's pattern is the fnmatch one,
anchored at both ends), so the tags stored under it are the same answer, in the same order.
"""

from typing import Any

from moto.ec2.models.tags import TagBackend
from moto.ec2.utils import EC2_PREFIX_TO_RESOURCE, get_prefix

# fnmatch's wildcards, and the backslash Moto's filter translation treats as an escape.
_PATTERN_CHARS = set("*?[\\")

_orig_describe_tags = TagBackend.describe_tags


def _exact_id(filters: dict[str, list[str]] | None) -> str | None:
    """The one resource ID the filters ask for, when that is all they ask."""
    if not filters or list(filters) != ["resource-id"] or len(filters["resource-id"]) != 1:
        return None
    resource_id = filters["resource-id"][0]
    return None if _PATTERN_CHARS & set(resource_id) else resource_id


def describe_tags(self: Any, filters: dict[str, list[str]] | None = None) -> list[dict[str, str]]:
    resource_id = _exact_id(filters)
    if resource_id is None:
        return _orig_describe_tags(self, filters)
    # .get: self.tags is a defaultdict, and a lookup must not create an entry.
    tags = dict(self.tags.get(resource_id) or {})
    if not tags:
        return []
    resource_type = EC2_PREFIX_TO_RESOURCE.get(get_prefix(resource_id), "")
    return [{"resource_id": resource_id, "key": key, "value": value, "resource_type": resource_type} for key, value in tags.items()]


def install() -> None:
    TagBackend.describe_tags = describe_tags  # type: ignore[method-assign]
