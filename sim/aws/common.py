"""Small helpers shared by the Moto patches."""

import io
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs

from moto.ec2.exceptions import EC2ClientError


def invalid_value(message: str) -> EC2ClientError:
    return EC2ClientError("InvalidParameterValue", message)


def incorrect_state(message: str) -> EC2ClientError:
    return EC2ClientError("IncorrectState", message)


def tag_filtered(filters: dict[str, list[str]] | None, objs: list[Any]) -> list[Any]:
    """Apply `tag:<key>`, `tag-key` and `tag-value` filters.

    Several Moto describe calls ignore tag filters; keys may contain colons
    (`tag:cellbridge:mesh`), so the key is everything after the first `tag:`.
    """
    for name, values in (filters or {}).items():
        if name.startswith("tag:"):
            key = name[len("tag:"):]
            objs = [o for o in objs if _tags(o).get(key) in values]
        elif name == "tag-key":
            objs = [o for o in objs if set(_tags(o)) & set(values)]
        elif name == "tag-value":
            objs = [o for o in objs if set(_tags(o).values()) & set(values)]
    return objs


def _tags(obj: Any) -> dict[str, str]:
    return {t["key"]: t["value"] for t in obj.get_tags()}


def ec2_backends_all() -> Iterator[Any]:
    """Every EC2 backend that exists, across accounts and regions."""
    from moto.ec2.models import ec2_backends

    for _account, _region, backend in list(ec2_backends.iter_backends()):
        yield backend


def signing_service(environ: dict[str, Any]) -> str:
    # Authorization: AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/ec2/aws4_request, ...
    # or, presigned (an EKS token's STS call), the same credential as X-Amz-Credential in the query.
    auth = environ.get("HTTP_AUTHORIZATION", "")
    presigned = parse_qs(environ.get("QUERY_STRING", "")).get("X-Amz-Credential", [""])[0]
    try:
        return (auth.split("Credential=", 1)[1].split(",", 1)[0] if auth else presigned).split("/")[3].lower()
    except IndexError:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        return target.split(".", 1)[0].lower() or "unknown"


def read_body(environ: dict[str, Any]) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    body = environ["wsgi.input"].read(length) if length > 0 else b""
    environ["wsgi.input"] = io.BytesIO(body)  # Moto reads it again
    return body
