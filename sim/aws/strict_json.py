"""Strict requests, JSON (Secrets Manager) and REST-JSON (EKS): the input rebuilt as an SDK caller
passes it (URI labels, query string, headers, body), judged by botocore's own ParamValidator,
plus the enum and max rules it leaves out."""

import json
from functools import cache
from typing import Any

from botocore.model import OperationModel, Shape, StructureShape
from botocore.validate import ParamValidator

from strict_rules import BOOLEANS, INTEGER, Violation, join, limits, string_rules


@cache
def _json_members(shape: StructureShape, body_only: bool) -> dict[str, str]:
    """JSON key -> member name; with body_only, the members a REST request carries in its body."""
    return {member.serialization.get("name", name): name for name, member in shape.members.items()
            if not body_only or "location" not in member.serialization}


def _extra_rules(value: Any, shape: Shape, name: str) -> list[Violation]:
    """Enum and max rules over JSON values ParamValidator has type-checked (it checks min itself)."""
    kind = shape.type_name
    if kind == "string" and isinstance(value, str):
        return string_rules(value, shape, name, check_min=False)
    if kind in ("integer", "long", "float", "double") and isinstance(value, (int, float)) and not isinstance(value, bool):
        return limits(value, shape, name, "value", check_min=False)
    if kind == "list" and isinstance(value, list):
        found = limits(len(value), shape, name, "length", check_min=False)
        for i, item in enumerate(value):
            found += _extra_rules(item, shape.member, f"{name}[{i}]")
        return found
    if kind == "map" and isinstance(value, dict):
        return [v for key, item in value.items() for v in _extra_rules(item, shape.value, f"{name}.{key}")]
    if kind == "structure" and isinstance(value, dict) and not shape.is_document_type:
        return [v for key, item in value.items() if key in shape.members
                for v in _extra_rules(item, shape.members[key], join(name, key))]
    return []


def _from_wire(value: Any, shape: Shape) -> Any:
    """A JSON value with the model's member names in place of its wire names (unknown keys kept)."""
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict) and not shape.is_document_type:
        names = _json_members(shape, False)
        return {names.get(key, key): _from_wire(item, shape.members[names[key]]) if key in names else item
                for key, item in value.items()}
    if kind == "list" and isinstance(value, list):
        return [_from_wire(item, shape.member) for item in value]
    if kind == "map" and isinstance(value, dict):
        return {key: _from_wire(item, shape.value) for key, item in value.items()}
    return value


def check_params(shape: StructureShape, params: dict[str, Any]) -> list[Violation]:
    # botocore keeps its structured errors private; its report text echoes the values, and a
    # value may be a secret, so the messages are built here from the structured form.
    errors = ParamValidator().validate(params, shape)._errors  # noqa: SLF001
    found = [_from_botocore(reason, name, details) for reason, name, details in errors]
    return found + _extra_rules(params, shape, "")


def _from_botocore(reason: str, name: str, details: dict[str, Any]) -> Violation:
    name = name.lstrip(".")
    if reason == "missing required field":
        return Violation("missing", join(name, details["required_name"]), "Member must not be null")
    if reason == "unknown field":
        return Violation("unknown", join(name, details["unknown_param"]), "The parameter is not recognized")
    if reason == "invalid type":
        return Violation("type", name, f"Member must be of type {' or '.join(_type_name(t) for t in details['valid_types'])}")
    if reason in ("invalid range", "invalid length"):
        measure = "length" if reason == "invalid length" else "value"
        return Violation("constraint", name, f"Member must have {measure} greater than or equal to {details['min_allowed']}")
    return Violation("constraint", name, reason)


def _json_object(body: bytes) -> tuple[dict[str, Any] | None, list[Violation]]:
    try:
        document = json.loads(body or b"{}")
    except ValueError:
        document = None
    if isinstance(document, dict):
        return document, []
    return None, [Violation("malformed", "body", "The request body must be a JSON object")]


def _type_name(python_type: str) -> str:
    """ParamValidator names the Python types it accepts ("<class 'int'>"); AWS names the model's."""
    return _TYPE_NAMES.get(python_type, python_type)


_TYPE_NAMES = {"<class 'str'>": "string", "<class 'int'>": "integer", "<class 'bool'>": "boolean",
               "<class 'float'>": "number", "<class 'decimal.Decimal'>": "number", "<class 'dict'>": "object",
               "<class 'list'>": "list", "<class 'tuple'>": "list", "<class 'bytes'>": "blob",
               "<class 'bytearray'>": "blob", "<class 'datetime.datetime'>": "timestamp"}


def check_json(operation: OperationModel, body: bytes) -> list[Violation]:
    document, found = _json_object(body)
    if document is None:
        return found
    return check_params(operation.input_shape, _from_wire(document, operation.input_shape))


def check_rest_json(operation: OperationModel, labels: dict[str, str], query: dict[str, list[str]],
                    headers: dict[str, str], body: bytes) -> list[Violation]:
    shape = operation.input_shape
    if shape is None:
        return []
    params: dict[str, Any] = {}
    found: list[Violation] = []
    for name, member in shape.members.items():
        location, wire = member.serialization.get("location"), member.serialization.get("name", name)
        if location == "uri" and wire in labels:
            found += _rest_scalar(params, name, member, labels[wire], wire)
        elif location == "querystring" and wire in query:
            if member.type_name == "list":
                params[name] = query[wire]
            else:
                found += _rest_scalar(params, name, member, query[wire][0], wire)
        elif location == "header" and wire.lower() in headers:
            found += _rest_scalar(params, name, member, headers[wire.lower()], wire)
    if body.strip():
        found += _rest_body(shape, body, params)
    return found + check_params(shape, params)


def _rest_scalar(params: dict[str, Any], name: str, shape: Shape, text: str, wire: str) -> list[Violation]:
    kind = shape.type_name
    if kind in ("integer", "long"):
        if not INTEGER.match(text):
            return [Violation("type", wire, "Member must be an integer")]
        params[name] = int(text)
    elif kind == "boolean":
        if text.lower() not in BOOLEANS:
            return [Violation("type", wire, "Member must be a boolean (true or false)")]
        params[name] = BOOLEANS[text.lower()]
    else:
        params[name] = text
    return []


def _rest_body(shape: StructureShape, body: bytes, params: dict[str, Any]) -> list[Violation]:
    payload = shape.serialization.get("payload")
    if payload and shape.members[payload].type_name != "structure":
        params[payload] = body  # a blob or string payload: the bytes are the value
        return []
    document, found = _json_object(body)
    if document is None:
        return found
    if payload:
        params[payload] = _from_wire(document, shape.members[payload])
        return []
    names = _json_members(shape, True)
    for key, value in document.items():
        if key in names:
            params[names[key]] = _from_wire(value, shape.members[names[key]])
        else:
            found.append(Violation("unknown", key, "The parameter is not recognized in the request body"))
    return found
