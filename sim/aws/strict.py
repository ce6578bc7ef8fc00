"""Strict requests: every AWS request is judged against botocore's service model before Moto sees it.

Real AWS refuses a request whose parameters its model does not allow; plain Moto accepts most of
them and answers as if all were well. This WSGI middleware finds the operation, rebuilds the
parameters the way the protocol serialized them and refuses what the model refuses, with the
error code and format the real service uses (sim/README.md "Strict requests").

The model is botocore's (an independent copy of the contract the SDKs are generated from), loaded
once per service; the wire names of each structure are computed once per shape.
"""

import io
import json
import re
import sys
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any
from urllib.parse import parse_qs

from botocore.loaders import create_loader
from botocore.model import OperationModel, ServiceModel, Shape, StructureShape
from botocore.validate import ParamValidator
from moto.core.request import Request
from moto.core.routing import get_service_router

from common import read_body, signing_service

# The services the product calls; others pass through unjudged.
SERVICES = {"ec2", "iam", "sts", "eks", "secretsmanager"}

_INTEGER = re.compile(r"^-?\d+$")
_BOOLEANS = {"true": True, "false": False}


@dataclass(frozen=True)
class Violation:
    kind: str  # unknown | missing | type | constraint | malformed
    name: str  # the parameter as the wire names it
    rule: str


# --- the models -------------------------------------------------------------------


@cache
def _loader() -> Any:
    return create_loader()


@cache
def service_model(service: str) -> ServiceModel:
    return ServiceModel(_loader().load_service_model(service, "service-2"), service_name=service)


def _operation(service: str, name: str) -> OperationModel | None:
    model = service_model(service)
    return model.operation_model(name) if name in model.operation_names else None


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


@cache
def _json_members(shape: StructureShape, body_only: bool) -> dict[str, str]:
    """JSON key -> member name; with body_only, the members a REST request carries in its body."""
    return {member.serialization.get("name", name): name for name, member in shape.members.items()
            if not body_only or "location" not in member.serialization}


# --- constraints botocore's ParamValidator leaves out (enum, max) or cannot see (query strings) ---


def _limits(value: Any, shape: Shape, name: str, measure: str, check_min: bool = True) -> list[Violation]:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if check_min and low is not None and value < low:
        return [Violation("constraint", name, f"Member must have {measure} greater than or equal to {low}")]
    if high is not None and value > high:
        return [Violation("constraint", name, f"Member must have {measure} less than or equal to {high}")]
    return []


def _string_rules(value: str, shape: Shape, name: str, check_min: bool = True) -> list[Violation]:
    if shape.enum and value not in shape.enum:
        return [Violation("constraint", name, f"Member must satisfy enum value set: [{', '.join(shape.enum)}]")]
    return _limits(len(value), shape, name, "length", check_min)


def _extra_rules(value: Any, shape: Shape, name: str) -> list[Violation]:
    """Enum and max rules over JSON values ParamValidator has type-checked (it checks min itself)."""
    kind = shape.type_name
    if kind == "string" and isinstance(value, str):
        return _string_rules(value, shape, name, check_min=False)
    if kind in ("integer", "long", "float", "double") and isinstance(value, (int, float)) and not isinstance(value, bool):
        return _limits(value, shape, name, "value", check_min=False)
    if kind == "list" and isinstance(value, list):
        found = _limits(len(value), shape, name, "length", check_min=False)
        for i, item in enumerate(value):
            found += _extra_rules(item, shape.member, f"{name}[{i}]")
        return found
    if kind == "map" and isinstance(value, dict):
        return [v for key, item in value.items() for v in _extra_rules(item, shape.value, f"{name}.{key}")]
    if kind == "structure" and isinstance(value, dict) and not shape.is_document_type:
        return [v for key, item in value.items() if key in shape.members
                for v in _extra_rules(item, shape.members[key], _join(name, key))]
    return []


# --- query and EC2: the flattened keys, checked as a tree -------------------------------------


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


def _join(prefix: str, key: str) -> str:
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
        return [Violation("unknown", _join(name, key), "The parameter is not recognized") for key in node.children]
    return _query_scalar(node.value or "", shape, name)


def _query_structure(shape: StructureShape, node: _Node, prefix: str, ec2: bool) -> list[Violation]:
    members = _query_members(shape, ec2)
    found = [Violation("missing", _join(prefix, wire), "Member must not be null")
             for wire, (member, _s) in members.items()
             if member in shape.required_members and wire not in node.children]
    for key, child in node.children.items():
        if key not in members:
            found.append(Violation("unknown", _join(prefix, key), "The parameter is not recognized"))
        else:
            found += _query_node(members[key][1], child, _join(prefix, key), ec2)
    return found


def _query_items(node: _Node, name: str) -> tuple[list[tuple[str, _Node]], list[Violation]]:
    items, bad = [], []
    for key, child in node.children.items():
        if key.isdigit() and int(key) >= 1:
            items.append((key, child))
        else:
            bad.append(Violation("unknown", _join(name, key), "The parameter is not recognized"))
    return items, bad


def _query_list(shape: Shape, node: _Node, name: str, ec2: bool) -> list[Violation]:
    if node.value:
        return [Violation("type", name, "Member must be a list")]
    container, prefix = node, name
    if not ec2 and not shape.serialization.get("flattened") and node.children:
        wrapper = shape.member.serialization.get("name", "member")
        strays = [Violation("unknown", _join(name, key), "The parameter is not recognized") for key in node.children if key != wrapper]
        if strays:
            return strays
        container, prefix = node.children[wrapper], _join(name, wrapper)
    items, found = _query_items(container, prefix)
    found += _limits(len(items), shape, name, "length")
    for key, child in items:
        found += _query_node(shape.member, child, _join(prefix, key), ec2)
    return found


def _query_map(shape: Shape, node: _Node, name: str, ec2: bool) -> list[Violation]:
    container, prefix = node, name
    if not shape.serialization.get("flattened"):
        container, prefix = node.children.get("entry", _Node()), _join(name, "entry")
        found = [Violation("unknown", _join(name, key), "The parameter is not recognized") for key in node.children if key != "entry"]
    else:
        found = []
    key_name = _query_name(shape.key, "key", ec2)
    value_name = _query_name(shape.value, "value", ec2)
    items, bad = _query_items(container, prefix)
    found += bad
    for key, entry in items:
        entry_name = _join(prefix, key)
        for part, child in entry.children.items():
            if part == key_name:
                found += _query_node(shape.key, child, _join(entry_name, part), ec2)
            elif part == value_name:
                found += _query_node(shape.value, child, _join(entry_name, part), ec2)
            else:
                found.append(Violation("unknown", _join(entry_name, part), "The parameter is not recognized"))
    return found


def _query_scalar(value: str, shape: Shape, name: str) -> list[Violation]:
    kind = shape.type_name
    if kind == "string":
        return _string_rules(value, shape, name)
    if kind in ("integer", "long"):
        if not _INTEGER.match(value):
            return [Violation("type", name, "Member must be an integer")]
        return _limits(int(value), shape, name, "value")
    if kind == "boolean" and value.lower() not in _BOOLEANS:
        return [Violation("type", name, "Member must be a boolean (true or false)")]
    if kind in ("float", "double"):
        try:
            return _limits(float(value), shape, name, "value")
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


# --- JSON and REST-JSON: rebuilt as the SDK's input, judged by botocore's ParamValidator ---


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
        return Violation("missing", _join(name, details["required_name"]), "Member must not be null")
    if reason == "unknown field":
        return Violation("unknown", _join(name, details["unknown_param"]), "The parameter is not recognized")
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
        if not _INTEGER.match(text):
            return [Violation("type", wire, "Member must be an integer")]
        params[name] = int(text)
    elif kind == "boolean":
        if text.lower() not in _BOOLEANS:
            return [Violation("type", wire, "Member must be a boolean (true or false)")]
        params[name] = _BOOLEANS[text.lower()]
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


# --- the answers real AWS gives ---------------------------------------------------------------


def _ec2_error(violation: Violation) -> tuple[str, str]:
    if violation.kind == "unknown":
        return "UnknownParameter", f"The parameter {violation.name} is not recognized"
    if violation.kind == "missing":
        return "MissingParameter", f"The request must contain the parameter {violation.name}"
    return "InvalidParameterValue", f"Value for parameter {violation.name} is invalid. {violation.rule}"


def _coral_message(violations: list[Violation]) -> str:
    """The "N validation error(s) detected" message of AWS's JSON and query front ends."""
    parts = []
    for v in violations:
        value = "null" if v.kind == "missing" else "(not shown)"
        parts.append(f"Value {value} at '{v.name}' failed to satisfy constraint: {v.rule}")
    noun = "error" if len(parts) == 1 else "errors"
    return f"{len(parts)} validation {noun} detected: {'; '.join(parts)}"


def refusal(service: str, protocol: str, violations: list[Violation]) -> tuple[int, list[tuple[str, str]], bytes]:
    """(status, headers, body) of the refusal, in the protocol's error format."""
    request_id = str(uuid.uuid4())
    if protocol == "ec2":
        code, message = _ec2_error(violations[0])
        body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>{code}</Code>'
                f"<Message>{_xml(message)}</Message></Error></Errors><RequestID>{request_id}</RequestID></Response>")
        return 400, [("Content-Type", "text/xml")], body.encode()
    if protocol == "query":
        namespace = f"https://{service}.amazonaws.com/doc/{service_model(service).api_version}/"
        body = (f'<ErrorResponse xmlns="{namespace}"><Error><Type>Sender</Type><Code>ValidationError</Code>'
                f"<Message>{_xml(_coral_message(violations))}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>")
        return 400, [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)], body.encode()
    code, message = _json_error(service, violations)
    content_type = "application/x-amz-json-1.1" if protocol == "json" else "application/json"
    payload = json.dumps({"__type": code, "message": message} if protocol == "json" else {"message": message}).encode()
    return 400, [("Content-Type", content_type), ("x-amzn-RequestId", request_id), ("x-amzn-ErrorType", code)], payload


def _json_error(service: str, violations: list[Violation]) -> tuple[str, str]:
    if violations[0].kind == "malformed":
        return ("BadRequestException" if service == "eks" else "SerializationException"), violations[0].rule
    if service == "secretsmanager" and all(v.kind == "constraint" for v in violations):
        return "ValidationException", _coral_message(violations)
    first = violations[0]
    return "InvalidParameterException", f"Invalid parameter {first.name}: {first.rule}" + (
        f" (and {len(violations) - 1} more: {', '.join(v.name for v in violations[1:])})" if len(violations) > 1 else "")


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# --- the middleware ---------------------------------------------------------------------------


def judge(environ: dict[str, Any], body: bytes) -> tuple[str, str, list[Violation]] | None:
    """(service, protocol, violations) for a request the model refuses; None for one it allows."""
    service = signing_service(environ)
    if service not in SERVICES:
        return None
    protocol = service_model(service).protocol
    if protocol in ("query", "ec2"):
        params = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True).items()}
        if "x-www-form-urlencoded" in environ.get("CONTENT_TYPE", ""):
            params.update({k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()})
        operation = _operation(service, params.pop("Action", ""))
        if operation is None or operation.input_shape is None:
            return None
        # Version and a presigned URL's X-Amz-* are the protocol's, not the operation's.
        params = {k: v for k, v in params.items() if k != "Version" and not k.startswith("X-Amz-")}
        violations = check_query(operation.input_shape, params, protocol == "ec2")
    elif protocol == "json":
        operation = _operation(service, environ.get("HTTP_X_AMZ_TARGET", "").rsplit(".", 1)[-1])
        if operation is None or operation.input_shape is None:
            return None
        violations = check_json(operation, body)
    elif protocol == "rest-json":
        try:
            matched, labels = get_service_router(service).match(Request({**environ, "wsgi.input": io.BytesIO(body)}))
        except Exception:  # noqa: BLE001 - a path no operation has: Moto answers it as it would
            return None
        operation = _operation(service, str(matched.name))
        if operation is None:
            return None
        headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
        query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        violations = check_rest_json(operation, labels, query, headers, body)
    else:
        return None
    return (service, protocol, violations) if violations else None


def middleware(app: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
    def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        verdict = judge(environ, read_body(environ))
        if verdict is None:
            return app(environ, start_response)
        service, protocol, violations = verdict
        # Names and rules only: a refused value may be a secret.
        print(f"strict: refused a {service} request: " + "; ".join(f"{v.kind} {v.name}: {v.rule}" for v in violations),
              file=sys.stderr, flush=True)
        status, headers, payload = refusal(service, protocol, violations)
        start_response(f"{status} Bad Request", headers + [("Content-Length", str(len(payload)))])
        return [payload]

    return wrapped
