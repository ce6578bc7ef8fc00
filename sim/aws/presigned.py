"""Presigned requests, whose SigV4 credential is in the query (`X-Amz-Credential`).

An EKS token is a presigned STS GetCallerIdentity URL, and the kube pool's
TokenReview webhook asks STS who the caller is by sending it as is
(sim/README.md). Moto routes a request without an Authorization header as if it
were unsigned (to S3) and attributes it to a default access key; here a
presigned request goes to the service of its credential scope and belongs to
its access key, as in AWS.
"""

from typing import Any
from urllib.parse import parse_qs

from moto.core.responses import BaseResponse
from moto.moto_server.werkzeug_app import DomainDispatcherApplication


def query_credential(authorization: str | None, query: dict[str, list[str]]) -> str | None:
    """`AKID/20240101/us-east-1/sts/aws4_request` of a presigned request, else None."""
    values = query.get("X-Amz-Credential")
    return values[0] if values and not authorization else None


_orig_infer = DomainDispatcherApplication.infer_service_region_host
_orig_access_key = BaseResponse.get_access_key


def infer_service_region_host(self: DomainDispatcherApplication, environ: dict[str, Any], path: str) -> str | None:
    credential = query_credential(environ.get("HTTP_AUTHORIZATION"), parse_qs(environ.get("QUERY_STRING", "")))
    if credential:
        # Moto reads the scope from the Authorization header only; it is shown one on a copy.
        environ = {**environ, "HTTP_AUTHORIZATION": f"AWS4-HMAC-SHA256 Credential={credential}"}
    return _orig_infer(self, environ, path)


def get_access_key(self: BaseResponse) -> str:
    credential = query_credential(self.headers.get("Authorization"), self.querystring)
    return credential.split("/", 1)[0] if credential else _orig_access_key(self)


def install() -> None:
    DomainDispatcherApplication.infer_service_region_host = infer_service_region_host  # type: ignore[method-assign]
    BaseResponse.get_access_key = get_access_key  # type: ignore[method-assign]
