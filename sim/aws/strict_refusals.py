"""Strict requests' refusals, as the real services answer them: EC2's `<Response><Errors>` XML,
the query protocol's `<ErrorResponse>` (IAM, STS), JSON and REST-JSON error bodies."""

import json
import uuid

from strict_rules import Violation, service_model


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
