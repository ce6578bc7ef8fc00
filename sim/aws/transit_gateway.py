"""Transit gateways and their VPC attachments: AWS-like latencies and guards.

Moto makes both `available` at once, forgets them on delete and lets a gateway
be deleted under its attachments. Here they go pending -> available and
deleting -> deleted (and stay listed), and deletion is refused like AWS does.
"""

from typing import Any

from moto.ec2.exceptions import (
    DuplicateTransitGatewayAttachmentError,
    EC2ClientError,
    InvalidTransitGatewayID,
)
from moto.ec2.models.transit_gateway import TransitGateway, TransitGatewayBackend
from moto.ec2.models.transit_gateway_attachments import (
    TransitGatewayAttachment,
    TransitGatewayAttachmentBackend,
    TransitGatewayVpcAttachment,
)
from moto.ec2.responses.transit_gateway_attachments import (
    TransitGatewayAttachment as AttachmentResponses,
)

from common import incorrect_state, invalid_value, tag_filtered
from lifecycle import timed_state, transition

TGW_CREATE_S, TGW_DELETE_S = 180, 120
VPC_ATTACH_CREATE_S, VPC_ATTACH_DELETE_S = 90, 60
GONE = ("deleting", "deleted")


def _valid_amazon_asn(asn: int) -> bool:
    return 64512 <= asn <= 65534 or 4200000000 <= asn <= 4294967294


def get_available_tgw(backend: Any, tgw_id: str) -> Any:
    """The gateway, which must be `available` before anything is attached to it."""
    tgw = backend.transit_gateways.get(tgw_id)
    if tgw is None or tgw.state == "deleted":
        raise InvalidTransitGatewayID(tgw_id)
    if tgw.state != "available":
        raise incorrect_state(f"{tgw_id} is in invalid state")
    return tgw


_orig_create_tgw = TransitGatewayBackend.create_transit_gateway


def create_transit_gateway(self: Any, description: Any, options: Any = None, tags: Any = None) -> Any:
    options = dict(options or {})
    if options.get("AmazonSideAsn") is not None:
        asn = int(options["AmazonSideAsn"])
        if not _valid_amazon_asn(asn):
            raise invalid_value(
                f"The Amazon side ASN {asn} is not valid. It must be in 64512-65534 or 4200000000-4294967294."
            )
        options["AmazonSideAsn"] = asn
    tgw = _orig_create_tgw(self, description, options, tags)
    tgw.options["AmazonSideAsn"] = int(tgw.options["AmazonSideAsn"])
    transition(tgw, "pending", "available", TGW_CREATE_S)
    return tgw


def delete_transit_gateway(self: Any, transit_gateway_id: str) -> Any:
    tgw = self.transit_gateways.get(transit_gateway_id)
    if tgw is None:
        raise InvalidTransitGatewayID(transit_gateway_id)
    if tgw.state in GONE:
        raise incorrect_state(f"{transit_gateway_id} is in invalid state")
    # A copy: other request threads (werkzeug serves each in its own) add to these dicts meanwhile.
    busy = [
        a.id
        for a in list(self.transit_gateway_attachments.values())
        if a.transit_gateway_id == transit_gateway_id and a.state != "deleted"
    ]
    if busy:
        raise incorrect_state(
            f"{transit_gateway_id} has non-deleted Transit Gateway Attachments: {', '.join(busy)}"
        )
    transition(tgw, "deleting", "deleted", TGW_DELETE_S)
    return tgw


def create_transit_gateway_vpc_attachment(
    self: Any,
    transit_gateway_id: str,
    vpc_id: str,
    subnet_ids: list[str],
    tags: Any = None,
    options: Any = None,
) -> Any:
    tgw = get_available_tgw(self, transit_gateway_id)
    self.get_vpc(vpc_id)  # raises InvalidVpcID.NotFound
    for subnet_id in subnet_ids:
        self.get_subnet(subnet_id)
    if any(
        a.resource_type == "vpc" and a.resource_id == vpc_id and a.transit_gateway_id == tgw.id
        and a.state not in GONE
        for a in list(self.transit_gateway_attachments.values())
    ):
        raise DuplicateTransitGatewayAttachmentError(transit_gateway_id)
    attachment = TransitGatewayVpcAttachment(
        self, transit_gateway=tgw, tags=tags, vpc_id=vpc_id, subnet_ids=subnet_ids, options=options
    )
    self.transit_gateway_attachments[attachment.id] = attachment
    self.set_route_table_association(
        transit_gateway_attachment_id=attachment.id,
        transit_gateway_route_table_id=attachment.transit_gateway_route_table.id,
    )
    transition(attachment, "pending", "available", VPC_ATTACH_CREATE_S)
    return attachment


_orig_delete_vpc_attachment = TransitGatewayAttachmentBackend.delete_transit_gateway_vpc_attachment


def delete_transit_gateway_vpc_attachment(self: Any, transit_gateway_attachment_id: str) -> Any:
    attachment = self.transit_gateway_attachments.get(transit_gateway_attachment_id)
    if attachment is None or attachment.resource_type != "vpc":
        raise attachment_not_found(transit_gateway_attachment_id)
    if attachment.state in GONE:
        raise incorrect_state(f"{transit_gateway_attachment_id} is in invalid state")
    # Moto's version unhooks route-table propagation but also forgets the attachment.
    _orig_delete_vpc_attachment(self, transit_gateway_attachment_id)
    self.transit_gateway_attachments[attachment.id] = attachment
    transition(attachment, "deleting", "deleted", VPC_ATTACH_DELETE_S)
    return attachment


def attachment_not_found(attachment_id: str) -> EC2ClientError:
    return EC2ClientError(
        "InvalidTransitGatewayAttachmentID.NotFound",
        f"Transit Gateway Attachment {attachment_id} was deleted or does not exist.",
    )


_orig_describe_vpc_attachments = TransitGatewayAttachmentBackend.describe_transit_gateway_vpc_attachments
_orig_describe_attachments = TransitGatewayAttachmentBackend.describe_transit_gateway_attachments


def describe_transit_gateway_vpc_attachments(self: Any, transit_gateways_attachment_ids: Any = None, filters: Any = None) -> Any:
    # Moto lists every attachment type here (VPN ones included) and ignores tag filters.
    found = _orig_describe_vpc_attachments(self, transit_gateways_attachment_ids, filters)
    return tag_filtered(filters, [a for a in found if a.resource_type == "vpc"])


def describe_transit_gateway_attachments(self: Any, transit_gateways_attachment_ids: Any = None, filters: Any = None) -> Any:
    found = _orig_describe_attachments(self, transit_gateways_attachment_ids, filters)
    states = (filters or {}).get("state")
    if states:
        found = [a for a in found if a.state in states]
    return tag_filtered(filters, found)


def create_transit_gateway_vpc_attachment_response(self: Any) -> Any:
    """Moto stores the tags of resource type `transit-gateway-route-table` here; AWS uses `transit-gateway-attachment`."""
    from moto.core.responses import ActionResult

    specs = self._parse_tag_specification()
    tags = specs.get("transit-gateway-attachment") or specs.get("transit-gateway-vpc-attachment") or {}
    attachment = self.ec2_backend.create_transit_gateway_vpc_attachment(
        transit_gateway_id=self._get_param("TransitGatewayId"),
        tags=tags,
        vpc_id=self._get_param("VpcId"),
        subnet_ids=self._get_param("SubnetIds", []),
        options=self._get_param("Options", {}),
    )
    return ActionResult({"TransitGatewayVpcAttachment": attachment})


def install() -> None:
    timed_state(TransitGateway)
    timed_state(TransitGatewayAttachment)
    TransitGatewayBackend.create_transit_gateway = create_transit_gateway
    TransitGatewayBackend.delete_transit_gateway = delete_transit_gateway
    TransitGatewayAttachmentBackend.create_transit_gateway_vpc_attachment = create_transit_gateway_vpc_attachment
    TransitGatewayAttachmentBackend.delete_transit_gateway_vpc_attachment = delete_transit_gateway_vpc_attachment
    TransitGatewayAttachmentBackend.describe_transit_gateway_vpc_attachments = describe_transit_gateway_vpc_attachments
    TransitGatewayAttachmentBackend.describe_transit_gateway_attachments = describe_transit_gateway_attachments
    AttachmentResponses.create_transit_gateway_vpc_attachment = create_transit_gateway_vpc_attachment_response
