"""Fault injection and call counting (protocol in sim/README.md), as WSGI middleware.

Operation names are `<service>.<Action>`: the service is the SigV4 credential
scope's, the action comes from `X-Amz-Target` (JSON services), the `Action`
parameter (query services such as EC2, IAM, STS) or, for REST services such as
EKS, the operation whose method and path template match the request (else
`METHOD /path`).
"""

import io
import json
import socket
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs, unquote_plus

from moto.core.request import Request
from moto.core.routing import get_service_router

from common import read_body, signing_service

# `applied-*` kinds let Moto perform the call, then lose its answer: the cloud did the work
# and the caller cannot know (a create that must not be duplicated by a retry). `drop`
# closes the connection without an answer, before (`drop`) or after (`applied-drop`) applying.
KINDS = {"throttle", "server-error", "timeout", "error", "drop",
         "applied-server-error", "applied-timeout", "applied-drop"}

_lock = threading.Lock()
_rules: list[dict[str, Any]] = []
_calls: Counter[str] = Counter()
# Calls the proving ground's own clusters make (the emulated EKS authenticator's STS and EKS
# reads, marked by sim/kube/cluster-caller.ts): in AWS they happen inside EKS and are not
# the customer's calls, so they are counted apart from the product's.
_cluster_calls: Counter[str] = Counter()
CLUSTER_CALLER_HEADER = "HTTP_X_CELLBRIDGE_SIM_CALLER"


# --- the rule book ------------------------------------------------------------


def add_rule(spec: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(spec.get("operation"), str) or spec.get("kind") not in KINDS:
        raise ValueError(f"need 'operation' and 'kind' in {sorted(KINDS)} (lro-failed is Azure only)")
    rule = {
        "operation": spec["operation"],
        "kind": spec["kind"],
        "nth": int(spec.get("nth", 1)),
        "count": int(spec.get("count", 1)),
        "match": spec.get("match"),
        "code": spec.get("code"),
        "status": spec.get("status"),
        "message": spec.get("message"),
        "seconds": float(spec.get("seconds", 5)),
        "seen": 0,
        "fired": 0,
    }
    with _lock:
        _rules.append(rule)
    return rule


def list_rules() -> list[dict[str, Any]]:
    with _lock:
        return [dict(r) for r in _rules]


def clear_rules() -> None:
    with _lock:
        _rules.clear()


def calls(cluster: bool = False) -> dict[str, int]:
    """The product's calls, or with `cluster` the proving ground's clusters' own."""
    with _lock:
        return dict(_cluster_calls if cluster else _calls)


def clear_calls() -> None:
    with _lock:
        _calls.clear()
        _cluster_calls.clear()


def _record(operation: str, text: str, cluster: bool) -> dict[str, Any] | None:
    """Count the call; return the rule that makes it fail, if any."""
    with _lock:
        (_cluster_calls if cluster else _calls)[operation] += 1
        firing = None
        for rule in _rules:
            if rule["operation"] not in ("*", operation):
                continue
            if rule["match"] and rule["match"].lower() not in text:
                continue
            rule["seen"] += 1
            if firing is None and rule["nth"] <= rule["seen"] < rule["nth"] + rule["count"]:
                rule["fired"] += 1
                firing = rule
        return firing


# --- request inspection -------------------------------------------------------


def describe_call(environ: dict[str, Any]) -> tuple[str, str, bool]:
    """(operation name, lower-cased text for `match`, whether it is a query-protocol call)."""
    body = read_body(environ)
    query = environ.get("QUERY_STRING", "")
    path = environ.get("PATH_INFO", "")
    raw_body = body.decode("utf-8", "replace")
    # Both forms, so that `match` works on `tag:cellbridge:mesh` as well as on `tag%3Acellbridge%3Amesh`.
    text = f"{path}?{query}\n{raw_body}\n{unquote_plus(query)}\n{unquote_plus(raw_body)}".lower()
    params = parse_qs(query)
    if "x-www-form-urlencoded" in environ.get("CONTENT_TYPE", ""):
        params.update(parse_qs(raw_body))
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        action = target.rsplit(".", 1)[-1]
    elif params.get("Action"):
        action = params["Action"][0]
    else:
        action = _rest_action(signing_service(environ), environ, body)
    return f"{signing_service(environ)}.{action}", text, bool(params.get("Action"))


def _rest_action(service: str, environ: dict[str, Any], body: bytes) -> str:
    """The REST operation (`eks.CreateNodegroup`), found by the router Moto dispatches with."""
    try:
        # The router may read the body; it gets its own copy of the stream.
        operation, _labels = get_service_router(service).match(Request({**environ, "wsgi.input": io.BytesIO(body)}))
        return str(operation.name)
    except Exception:  # noqa: BLE001 - unknown service or path: still counted, by method and path
        return f"{environ.get('REQUEST_METHOD', 'GET')} {environ.get('PATH_INFO', '')}"


# --- the middleware -----------------------------------------------------------


def _error(start_response: Callable[..., Any], status: int, code: str, message: str, query_protocol: bool) -> list[bytes]:
    request_id = str(uuid.uuid4())
    if query_protocol:
        body = (
            f"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{code}</Code>"
            f"<Message>{_xml_escape(message)}</Message></Error></Errors><RequestID>{request_id}</RequestID></Response>"
        ).encode()
        content_type = "text/xml"
    else:
        # JSON and REST-JSON SDKs read the code from `__type` / x-amzn-ErrorType.
        body = json.dumps({"__type": code, "message": message}).encode()
        content_type = "application/json"
    start_response(f"{status} {_REASONS.get(status, 'Error')}", [
        ("Content-Type", content_type),
        ("Content-Length", str(len(body))),
        ("x-amzn-RequestId", request_id),
        ("x-amzn-ErrorType", code),
    ])
    return [body]


_REASONS = {400: "Bad Request", 403: "Forbidden", 404: "Not Found", 409: "Conflict",
            429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable", 504: "Gateway Timeout"}


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _apply(app: Callable[..., Iterable[bytes]], environ: dict[str, Any]) -> None:
    """Lets Moto perform the call and throws its answer away."""
    answer = app(environ, lambda *_args, **_kwargs: (lambda _data: None))
    try:
        for _chunk in answer:
            pass
    finally:
        close = getattr(answer, "close", None)
        if close:
            close()


def _drop(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    """Closes the connection with no answer: the client sees the peer hang up."""
    connection = environ.get("werkzeug.socket")
    if connection is not None:
        try:
            connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    # werkzeug's write then fails on the closed socket and drops the connection quietly.
    start_response("500 Internal Server Error", [("Content-Length", "0")])
    return []


def middleware(app: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
    def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        operation, text, query_protocol = describe_call(environ)
        rule = _record(operation, text, CLUSTER_CALLER_HEADER in environ)
        if rule is None:
            return app(environ, start_response)
        kind = rule["kind"]
        if kind.startswith("applied-"):
            _apply(app, environ)
            kind = kind.removeprefix("applied-")
        if kind == "throttle":
            return _error(start_response, 503, "RequestLimitExceeded", rule["message"] or "Request limit exceeded.", query_protocol)
        if kind == "server-error":
            return _error(start_response, 500, "InternalError", rule["message"] or "An internal error has occurred.", query_protocol)
        if kind == "timeout":
            time.sleep(rule["seconds"])
            return _error(start_response, 504, "RequestTimeout", rule["message"] or "The request timed out.", query_protocol)
        if kind == "drop":
            return _drop(environ, start_response)
        return _error(start_response, int(rule["status"] or 400), rule["code"] or "SimulatedError",
                      rule["message"] or "Injected fault.", query_protocol)

    return wrapped
