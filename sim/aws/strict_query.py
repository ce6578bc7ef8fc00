"""Strict requests, query protocols (IAM, STS) and EC2: the flattened keys, rebuilt into a tree the
way botocore's serializers flatten them, walked with the operation's input shape."""

from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

from botocore.model import Shape, StructureShape

from strict_rules import BOOLEANS, INTEGER, Violation, join, limits, string_rules


@cache
def _query_members(shape: StructureShape, ec2: bool) -> dict[str, tuple[str, Shape]]:
    """Wire name -> (member name, shape), as botocore's Query/EC2 serializers name them."""
    members = {}
    for name, member in shape.members.items():
        wire = _query_name(member, name, ec2)
        if not ec2 and member.type_name == "list" and member.serialization.get("flattened") and member.member.serialization.get("name"):
            wire = member.member.serialization["name"]
        members[wire] = (name, member)
    return members


def _query_name(shape: Shape, default: str, ec2: bool) -> str:
    if not ec2:
        return shape.serialization.get("name", default)
    if "queryName" in shape.serialization:
        return shape.serialization["queryName"]
    name = shape.serialization.get("name")
    return name[0].upper() + name[1:] if name else default


@dataclass
class _Node:
    value: str | None = None
    children: dict[str, "_Node"] = field(default_factory=dict)


def _tree(params: dict[str, str]) -> _Node:
    root = _Node()
    for key, value in params.items():
        node = root
        for part in key.split("."):
            node = node.children.setdefault(part, _Node())
        node.value = value
    return root


def check_query(shape: StructureShape, params: dict[str, str], ec2: bool) -> list[Violation]:
    return _query_structure(shape, _tree(params), "", ec2)


def join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def _query_node(shape: Shape, node: _Node, name: str, ec2: bool) -> list[Violation]:
    kind = shape.type_name
    if kind == "structure":
        if node.value:
            return [Violation("type", name, "Member must be a structure")]
        return _query_structure(shape, node, name, ec2)
    if kind == "list":
        return _query_list(shape, node, name, ec2)
    if kind == "map":
        return _query_map(shape, node, name, ec2)
    if node.children:
        return [Violation("unknown", join(name, key), "The parameter is not recognized") for key in node.children]
    return _query_scalar(node.value or "", shape, name)


def _query_structure(shape: StructureShape, node: _Node, prefix: str, ec2: bool) -> list[Violation]:
    members = _query_members(shape, ec2)
    found = [Violation("missing", join(prefix, wire), "Member must not be null")
             for wire, (member, _s) in members.items()
             if member in shape.required_members and wire not in node.children]
    for key, child in node.children.items():
        if key not in members:
            found.append(Violation("unknown", join(prefix, key), "The parameter is not recognized"))
        else:
            found += _query_node(members[key][1], child, join(prefix, key), ec2)
    return found


def _query_items(node: _Node, name: str) -> tuple[list[tuple[str, _Node]], list[Violation]]:
    items, bad = [], []
    for key, child in node.children.items():
        if key.isdigit() and int(key) >= 1:
            items.append((key, child))
        else:
            bad.append(Violation("unknown", join(name, key), "The parameter is not recognized"))
    return items, bad


def _query_list(shape: Shape, node: _Node, name: str, ec2: bool) -> list[Violation]:
    if node.value:
        return [Violation("type", name, "Member must be a list")]
    container, prefix = node, name
    if not ec2 and not shape.serialization.get("flattened") and node.children:
        wrapper = shape.member.serialization.get("name", "member")
        strays = [Violation("unknown", join(name, key), "The parameter is not recognized") for key in node.children if key != wrapper]
        if strays:
            return strays
        container, prefix = node.children[wrapper], join(name, wrapper)
    items, found = _query_items(container, prefix)
    found += limits(len(items), shape, name, "length")
    for key, child in items:
        found += _query_node(shape.member, child, join(prefix, key), ec2)
    return found


def _query_map(shape: Shape, node: _Node, name: str, ec2: bool) -> list[Violation]:
    container, prefix = node, name
    if not shape.serialization.get("flattened"):
        container, prefix = node.children.get("entry", _Node()), join(name, "entry")
        found = [Violation("unknown", join(name, key), "The parameter is not recognized") for key in node.children if key != "entry"]
    else:
        found = []
    key_name = _query_name(shape.key, "key", ec2)
    value_name = _query_name(shape.value, "value", ec2)
    items, bad = _query_items(container, prefix)
    found += bad
    for key, entry in items:
        entry_name = join(prefix, key)
        for part, child in entry.children.items():
            if part == key_name:
                found += _query_node(shape.key, child, join(entry_name, part), ec2)
            elif part == value_name:
                found += _query_node(shape.value, child, join(entry_name, part), ec2)
            else:
                found.append(Violation("unknown", join(entry_name, part), "The parameter is not recognized"))
    return found


def _query_scalar(value: str, shape: Shape, name: str) -> list[Violation]:
    kind = shape.type_name
    if kind == "string":
        return string_rules(value, shape, name)
    if kind in ("integer", "long"):
        if not INTEGER.match(value):
            return [Violation("type", name, "Member must be an integer")]
        return limits(int(value), shape, name, "value")
    if kind == "boolean" and value.lower() not in BOOLEANS:
        return [Violation("type", name, "Member must be a boolean (true or false)")]
    if kind in ("float", "double"):
        try:
            return limits(float(value), shape, name, "value")
        except ValueError:
            return [Violation("type", name, "Member must be a number")]
    if kind == "timestamp" and not _is_timestamp(value):
        return [Violation("type", name, "Member must be a timestamp (ISO 8601 or epoch seconds)")]
    return []


def _is_timestamp(value: str) -> bool:
    try:
        float(value)
        return True
    except ValueError:
        pass
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
        return True
    except ValueError:
        return False
