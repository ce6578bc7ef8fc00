"""Moto in server mode, extended for cellbridge's proving ground (see sim/README.md).

    python sim/aws/moto_server.py --host 127.0.0.1 --port 0 --time-scale 600 \
        [--fabric-url https://127.0.0.1:P/_sim/fabric --fabric-ca ca.pem] [--no-strict]

The kube pool backing EKS clusters comes from CELLBRIDGE_SIM_KUBE_URL.

Prints `READY http://HOST:PORT` once the socket accepts requests.
"""

import argparse
import json
import os
import sys
from collections.abc import Callable, Iterable
from typing import Any

# Before Moto is imported: any region name must work, and nothing may reach the internet.
os.environ.setdefault("MOTO_ALLOW_NONEXISTENT_REGION", "true")
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.pop("AWS_PROFILE", None)
sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from werkzeug.serving import make_server  # noqa: E402

from moto.moto_server.werkzeug_app import (  # noqa: E402
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)

import changes  # noqa: E402
import consistency  # noqa: E402
import eks  # noqa: E402
import eks_access  # noqa: E402
import faults  # noqa: E402
import lifecycle  # noqa: E402
import load_balancers  # noqa: E402
import module_listing  # noqa: E402
import presigned  # noqa: E402
import regions  # noqa: E402
import strict  # noqa: E402
import tag_lookup  # noqa: E402
import telemetry  # noqa: E402
import tgw_routes  # noqa: E402
import transit_gateway  # noqa: E402
import vpn  # noqa: E402


def _json(start_response: Callable[..., Any], status: int, payload: Any) -> list[bytes]:
    body = json.dumps(payload).encode()
    start_response(f"{status} {'OK' if status < 300 else 'Error'}", [
        ("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def _read_json(environ: dict[str, Any]) -> Any:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    return json.loads(environ["wsgi.input"].read(length) or b"{}")


def reset_all() -> None:
    from moto.moto_api._internal import moto_api_backend

    eks.release_all()
    moto_api_backend.reset()
    faults.clear_rules()
    faults.clear_calls()
    telemetry.reset()
    vpn.reset_outside_ips()
    consistency.reset()
    load_balancers.reset()
    lifecycle.reset()
    changes.bump()


def sim_routes(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """The `/_sim/*` endpoints; they are never counted nor faulted."""
    method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "").rstrip("/")
    try:
        if path == "/_sim/vpn-view" and method == "GET":
            body = vpn.aws_view_json()
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        if path == "/_sim/faults":
            if method == "POST":
                return _json(start_response, 201, faults.add_rule(_read_json(environ)))
            if method == "GET":
                return _json(start_response, 200, {"faults": faults.list_rules()})
            if method == "DELETE":
                faults.clear_rules()
                return _json(start_response, 200, {"faults": []})
        if path == "/_sim/calls":
            if method == "GET":
                return _json(start_response, 200, faults.calls(cluster="caller=cluster" in environ.get("QUERY_STRING", "")))
            if method == "DELETE":
                faults.clear_calls()
                return _json(start_response, 200, {})
        if path == "/_sim/consistency":
            if method == "POST":
                return _json(start_response, 200, consistency.configure(_read_json(environ)))
            if method == "GET":
                return _json(start_response, 200, consistency.settings())
        if path == "/_sim/load-balancers" and method == "GET":
            return _json(start_response, 200, {"loadBalancers": load_balancers.listing()})
        if path.startswith("/_sim/load-balancers/"):
            key = path[len("/_sim/load-balancers/"):]
            if method == "PUT":
                return _json(start_response, 200, load_balancers.put(key, _read_json(environ)))
            if method == "DELETE":
                load_balancers.delete(key)
                return _json(start_response, 200, {})
        if path == "/_sim/time-scale":
            if method == "POST":
                spec = _read_json(environ)
                lifecycle.set_time_scale(spec.get("scale") if isinstance(spec, dict) else None)
            if method in ("POST", "GET"):
                return _json(start_response, 200, {"scale": lifecycle.time_scale()})
        if path == "/_sim/reset" and method == "POST":
            reset_all()
            return _json(start_response, 200, {"status": "ok"})
    except (ValueError, TypeError) as error:
        return _json(start_response, 400, {"error": str(error)})
    return _json(start_response, 404, {"error": f"no route {method} {path}"})


def build_app(strict_requests: bool) -> Callable[..., Iterable[bytes]]:
    moto_app = DomainDispatcherApplication(create_backend_app)
    # Inside the fault layer: a refused request is still counted, and a fault still fires first.
    counted = faults.middleware(strict.middleware(moto_app) if strict_requests else moto_app)

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith("/_sim/"):
            return sim_routes(environ, start_response)
        if path.startswith("/moto-api"):
            response = moto_app(environ, start_response)
            # Moto's own API resets backends and sets state outside any counted action.
            changes.bump()
            return response
        return counted(environ, start_response)

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 lets the OS choose")
    parser.add_argument("--time-scale", type=float, default=1.0)
    parser.add_argument("--fabric-url", help="base URL of the tunnel fabric; telemetry is POSTed to <url>/aws-telemetry")
    parser.add_argument("--consistency", default="{}", help='JSON: real-world seconds of IAM propagation and EC2 visibility (sim/aws/consistency.py)')
    parser.add_argument("--fabric-ca", help="CA bundle that signs the fabric's HTTPS certificate")
    # The environment reaches a stack's Moto without changing how the stack starts it.
    parser.add_argument("--strict", action=argparse.BooleanOptionalAction, default=os.environ.get("CELLBRIDGE_SIM_AWS_STRICT") != "0",
                        help="refuse requests botocore's service models refuse, as AWS does (sim/aws/strict.py); "
                        "CELLBRIDGE_SIM_AWS_STRICT=0 turns it off by default")
    args = parser.parse_args()

    lifecycle.set_startup_time_scale(args.time_scale)
    consistency.set_defaults(json.loads(args.consistency))
    telemetry.configure(args.fabric_url, args.fabric_ca)
    regions.install()
    changes.install()
    module_listing.install()
    tag_lookup.install()
    presigned.install()
    transit_gateway.install()
    tgw_routes.install()
    vpn.install()
    consistency.install()
    eks.install(os.environ.get("CELLBRIDGE_SIM_KUBE_URL"))
    eks_access.install()
    load_balancers.install()

    server = make_server(args.host, args.port, build_app(args.strict), threaded=True, request_handler=MotoRequestHandler)
    print(f"READY http://{args.host}:{server.server_port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
