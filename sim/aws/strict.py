"""Strict requests: every AWS request is judged against botocore's service model before Moto sees it.

Real AWS refuses a request whose parameters its model does not allow; plain Moto accepts most of
them and answers as if all were well. This WSGI middleware finds the operation, rebuilds the
parameters the way the protocol serialized them and refuses what the model refuses, with the
error code and format the real service uses (sim/README.md "Strict requests").

The model is botocore's (an independent copy of the contract the SDKs are generated from), loaded
once per service; the wire names of each structure are computed once per shape.
"""

import io
import sys
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

from moto.core.request import Request
from moto.core.routing import get_service_router

from common import read_body, signing_service
from strict_json import check_json, check_rest_json
from strict_query import check_query
from strict_refusals import refusal
from strict_rules import Violation, find_operation, service_model

# The services the product calls; others pass through unjudged.
SERVICES = {"ec2", "iam", "sts", "eks", "secretsmanager"}


def judge(environ: dict[str, Any], body: bytes) -> tuple[str, str, list[Violation]] | None:
    """(service, protocol, violations) for a request the model refuses; None for one it allows."""
    service = signing_service(environ)
    if service not in SERVICES:
        return None
    protocol = service_model(service).protocol
    violations = _CHECKS[protocol](service, environ, body) if protocol in _CHECKS else []
    return (service, protocol, violations) if violations else None


def _query(service: str, environ: dict[str, Any], body: bytes) -> list[Violation]:
    params = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True).items()}
    if "x-www-form-urlencoded" in environ.get("CONTENT_TYPE", ""):
        params.update({k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()})
    operation = find_operation(service, params.pop("Action", ""))
    if operation is None or operation.input_shape is None:
        return []  # an action the model lacks: Moto answers it as it would
    # Version and a presigned URL's X-Amz-* are the protocol's, not the operation's.
    params = {k: v for k, v in params.items() if k != "Version" and not k.startswith("X-Amz-")}
    return check_query(operation.input_shape, params, service_model(service).protocol == "ec2")


def _json(service: str, environ: dict[str, Any], body: bytes) -> list[Violation]:
    operation = find_operation(service, environ.get("HTTP_X_AMZ_TARGET", "").rsplit(".", 1)[-1])
    if operation is None or operation.input_shape is None:
        return []
    return check_json(operation, body)


def _rest_json(service: str, environ: dict[str, Any], body: bytes) -> list[Violation]:
    try:
        # The same router Moto dispatches with picks the operation by method and URI template.
        matched, labels = get_service_router(service).match(Request({**environ, "wsgi.input": io.BytesIO(body)}))
    except Exception:  # noqa: BLE001 - a path no operation has: Moto answers it as it would
        return []
    operation = find_operation(service, str(matched.name))
    if operation is None:
        return []
    headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
    query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    return check_rest_json(operation, labels, query, headers, body)


_CHECKS: dict[str, Callable[[str, dict[str, Any], bytes], list[Violation]]] = {
    "query": _query, "ec2": _query, "json": _json, "rest-json": _rest_json}


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
