"""SearchTransitGatewayRoutes with the routes a transit gateway learns by propagation.

Moto lists only static routes. In AWS, a route table that an attachment propagates to
also holds a `propagated` route for each CIDR of a VPC attachment, and for each prefix a
VPN attachment's BGP sessions accepted from the far end while at least one of its tunnels
is UP. Whether a tunnel is up is the tunnel fabric's answer (the same round trip as
DescribeVpnConnections), so an outage withdraws the VPN's routes.
"""

import ipaddress
from typing import Any

from moto.core.responses import ActionResult
from moto.ec2.exceptions import EC2ClientError
from moto.ec2.responses.transit_gateway_route_tables import TransitGatewayRouteTable as RouteTableResponses

import telemetry
import vpn
from common import invalid_value

_ATTACHMENT_FILTERS = {
    "attachment.resource-type": "resourceType",
    "attachment.resource-id": "resourceId",
    "attachment.transit-gateway-attachment-id": "transitGatewayAttachmentId",
}
_ROUTE_FILTERS = {"type": "type", "state": "state"}
_SEARCH_FILTERS = ("route-search.exact-match", "route-search.subnet-of-match", "route-search.supernet-of-match")


def _propagates_to(attachment: Any, table: Any, tgw: Any) -> bool:
    explicit = getattr(attachment, "propagation", None) or {}
    if explicit:
        return explicit.get("transitGatewayRouteTableId") == table.id and explicit.get("state") == "enabled"
    return table.default_propagation_route_table and tgw is not None and tgw.options.get("DefaultRouteTablePropagation") == "enable"


def _route(cidr: str, attachment: Any) -> dict[str, Any]:
    return {
        "destinationCidrBlock": cidr,
        "type": "propagated",
        "state": "active",
        "transitGatewayAttachments": [{
            "resourceId": attachment.resource_id,
            "transitGatewayAttachmentId": attachment.id,
            "resourceType": attachment.resource_type,
        }],
    }


def _propagated(backend: Any, table: Any) -> list[dict[str, Any]]:
    tgw = backend.transit_gateways.get(table.transit_gateway_id)
    # A copy: other request threads (werkzeug serves each in its own) add to these dicts meanwhile.
    attachments = [
        a for a in list(backend.transit_gateway_attachments.values())
        if a.transit_gateway_id == table.transit_gateway_id and a.state == "available" and _propagates_to(a, table, tgw)
    ]
    vpns = [backend.vpn_connections[a.resource_id] for a in attachments if a.resource_type == "vpn" and a.resource_id in backend.vpn_connections]
    telemetry.refresh(vpns, vpn.aws_view_json)
    routes: list[dict[str, Any]] = []
    for attachment in attachments:
        if attachment.resource_type == "vpc":
            vpc = backend.vpcs.get(attachment.resource_id)
            cidrs = [
                c["cidr_block"] for c in (vpc.get_cidr_block_association_set() if vpc else [])
                if c["cidr_block_state"]["state"] == "associated"
            ]
        elif attachment.resource_type == "vpn":
            connection = backend.vpn_connections.get(attachment.resource_id)
            cidrs = telemetry.accepted_prefixes(connection) if connection is not None and connection.state == "available" else []
        else:
            cidrs = []
        routes += [_route(cidr, attachment) for cidr in cidrs]
    return routes


def _static(table: Any) -> list[dict[str, Any]]:
    routes = []
    for route in list(table.routes.values()):
        attached = route.get("transitGatewayAttachments")
        routes.append({**route, "transitGatewayAttachments": [attached] if isinstance(attached, dict) else (attached or [])})
    return routes


def _network(text: str) -> ipaddress.IPv4Network:
    try:
        return ipaddress.IPv4Network(text)
    except ValueError as error:
        raise invalid_value(f"{text} is not a valid CIDR block: {error}") from error


def _matches(route: dict[str, Any], name: str, values: list[str]) -> bool:
    if name in _ROUTE_FILTERS:
        return route.get(_ROUTE_FILTERS[name]) in values
    if name in _ATTACHMENT_FILTERS:
        key = _ATTACHMENT_FILTERS[name]
        return any(a.get(key) in values for a in route["transitGatewayAttachments"])
    destination = ipaddress.IPv4Network(route["destinationCidrBlock"])
    wanted = [_network(v) for v in values]
    if name == "route-search.exact-match":
        return destination in wanted
    if name == "route-search.subnet-of-match":
        return any(destination.subnet_of(w) for w in wanted)
    return any(w.subnet_of(destination) for w in wanted)


def search_transit_gateway_routes_response(self: Any) -> ActionResult:
    table_id = self._get_param("TransitGatewayRouteTableId")
    filters = self._filters_from_querystring()
    if not filters:
        raise EC2ClientError("MissingParameter", "The request must contain the parameter Filters.")
    for name in filters:
        if name not in _ROUTE_FILTERS and name not in _ATTACHMENT_FILTERS and name not in _SEARCH_FILTERS:
            raise invalid_value(f"The filter '{name}' is invalid")
    backend = self.ec2_backend
    table = backend.transit_gateways_route_tables.get(table_id)
    if table is None or table.state == "deleted":
        raise EC2ClientError("InvalidRouteTableID.NotFound", f"Transit Gateway Route Table {table_id} was deleted or does not exist.")
    routes = [
        r for r in _static(table) + _propagated(backend, table)
        if all(_matches(r, name, values) for name, values in filters.items())
    ]
    limit = int(self._get_param("MaxResults") or 1000)
    return ActionResult({"routeSet": routes[:limit], "additionalRoutesAvailable": len(routes) > limit})


def install() -> None:
    RouteTableResponses.search_transit_gateway_routes = search_transit_gateway_routes_response  # type: ignore[method-assign]
