"""EKS access entries and access policy associations (Moto 5.2.5 has none).

The kube pool's TokenReview webhook authorises callers with DescribeAccessEntry
and ListAssociatedAccessPolicies through @aws-sdk/client-eks, so the REST paths
and JSON shapes are exactly the API's. Entries live on their cluster and go with
it. As in EKS, a cluster created in mode API or API_AND_CONFIG_MAP with
bootstrapClusterCreatorAdminPermissions gets an entry for its creator with
AmazonEKSClusterAdminPolicy at cluster scope.
"""

import re
import uuid
from typing import Any

from moto.core.responses import ActionResult, EmptyResult
from moto.core.utils import utcnow
from moto.eks import urls
from moto.eks.exceptions import (
    InvalidParameterException,
    InvalidRequestException,
    ResourceInUseException,
    ResourceNotFoundException,
)
from moto.eks.models import Cluster, EKSBackend
from moto.eks.responses import EKSResponse
from moto.iam.models import iam_backends
from moto.sts.models import sts_backends

API_MODES = ("API", "API_AND_CONFIG_MAP")
ADMIN_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
POLICY_ARN = re.compile(r"^arn:aws:eks::aws:cluster-access-policy/[A-Za-z0-9]+$")
IAM_PRINCIPAL = re.compile(r"^arn:(aws|aws-cn|aws-us-gov):iam::(\d{12}):(role|user)/(?:.*/)?([^/]+)$")
ASSUMED_ROLE = re.compile(r"^arn:([\w-]+):sts::(\d{12}):assumed-role/([^/]+)/[^/]+$")
# Moto's STS gives this ARN to every caller whose keys its IAM does not know, such as the stack's
# own credentials: it is the stack's stand-in for a real caller's user ARN, so it can be a principal.
MOTO_DEFAULT_CALLER = re.compile(r"^arn:[\w-]+:sts::\d{12}:user/moto$")
ENTRY_TYPES = ("STANDARD", "EC2", "EC2_LINUX", "EC2_WINDOWS", "FARGATE_LINUX", "HYBRID_LINUX", "HYPERPOD_LINUX")


class AccessEntry:
    """Attribute names are the API's (snake_case), so Moto's serializer shapes the JSON."""

    def __init__(self, cluster: Cluster, principal_arn: str, kubernetes_groups: list[str], username: str | None,
                 entry_type: str, tags: dict[str, str], client_request_token: str | None) -> None:
        _arn, partition, _service, _region, account, resource = principal_arn.split(":", 5)
        kind, name = resource.split("/")[0], resource.split("/")[-1]  # role/<path>/<name>, user/<name>
        self.cluster_name = cluster.name
        self.principal_arn = principal_arn
        self.kubernetes_groups = kubernetes_groups
        # EKS's default user name: a role's sessions are told apart, a user is itself.
        self.username = username or (
            f"arn:{partition}:sts::{account}:assumed-role/{name}/{{{{SessionName}}}}" if kind == "role" else principal_arn
        )
        self.type = entry_type
        self.tags = tags
        self.access_entry_arn = cluster.arn.replace(":cluster/", ":access-entry/", 1) + f"/{kind}/{account}/{name}/{uuid.uuid4()}"
        self.created_at = self.modified_at = utcnow()
        self.client_request_token = client_request_token
        self.policies: dict[str, dict[str, Any]] = {}  # policy ARN -> AssociatedAccessPolicy


def _scope(spec: Any) -> dict[str, Any]:
    spec = spec or {}
    scope_type, namespaces = spec.get("type"), list(spec.get("namespaces") or [])
    if scope_type == "cluster" and namespaces:
        raise InvalidParameterException(message="namespaces can't be set when the access scope type is cluster")
    if scope_type == "namespace" and not namespaces:
        raise InvalidParameterException(message="namespaces must be set when the access scope type is namespace")
    if scope_type not in ("cluster", "namespace"):
        raise InvalidParameterException(message=f"accessScope type must be cluster or namespace, got {scope_type}")
    return {"type": scope_type, "namespaces": namespaces}


def _associate(entry: AccessEntry, policy_arn: str, scope: dict[str, Any]) -> dict[str, Any]:
    now = utcnow()
    previous = entry.policies.get(policy_arn)
    entry.policies[policy_arn] = {
        "policyArn": policy_arn,
        "accessScope": scope,
        "associatedAt": previous["associatedAt"] if previous else now,
        "modifiedAt": now,
    }
    return entry.policies[policy_arn]


# --- the creator --------------------------------------------------------------


def caller_arn(response: EKSResponse) -> str:
    """Who sends this request, as Moto's STS tells it; a role session counts as its role, as in EKS."""
    sts = sts_backends[response.current_account][response.partition]
    _user_id, arn, _account = sts.get_caller_identity(response.get_access_key(), response.region)
    session = ASSUMED_ROLE.match(arn)
    return f"arn:{session[1]}:iam::{session[2]}:role/{session[3]}" if session else arn


def init_cluster(cluster: Cluster, creator_arn: str | None) -> None:
    cluster.access_entries = {}
    access = cluster.access_config
    if creator_arn and access["authenticationMode"] in API_MODES and access["bootstrapClusterCreatorAdminPermissions"]:
        entry = AccessEntry(cluster, creator_arn, [], None, "STANDARD", {}, None)
        _associate(entry, ADMIN_POLICY, {"type": "cluster", "namespaces": []})
        cluster.access_entries[creator_arn] = entry


# --- the backend --------------------------------------------------------------


def _cluster(backend: EKSBackend, name: str) -> Cluster:
    cluster = backend.clusters.get(name)
    if cluster is None:
        raise ResourceNotFoundException(clusterName=name, message=f"No cluster found for name: {name}.")
    if cluster.access_config["authenticationMode"] not in API_MODES:
        raise InvalidRequestException(
            clusterName=name,
            message="The cluster's authentication mode must be set to one of [API, API_AND_CONFIG_MAP] to perform this operation.",
        )
    return cluster


def _entry(cluster: Cluster, principal_arn: str) -> AccessEntry:
    entry = cluster.access_entries.get(principal_arn)
    if entry is None:
        raise ResourceNotFoundException(
            clusterName=cluster.name,
            message=f"The specified principalArn {principal_arn} has no access entry on cluster {cluster.name}.",
        )
    return entry


def _check_principal(arn: str) -> None:
    if MOTO_DEFAULT_CALLER.match(arn or ""):
        return
    if ASSUMED_ROLE.match(arn or ""):
        raise InvalidParameterException(
            message=f"The principalArn {arn} is an STS session; use the ARN of the IAM role it assumed instead."
        )
    match = IAM_PRINCIPAL.match(arn or "")
    if not match:
        raise InvalidParameterException(message=f"The principalArn {arn} is not the ARN of an IAM role or user.")
    iam = iam_backends[match[2]][match[1]]
    principals = iam.get_roles() if match[3] == "role" else iam.users.values()
    if not any(p.arn == arn for p in principals):
        raise InvalidParameterException(message=f"The principalArn {arn} does not exist.")


def create_access_entry(backend: EKSBackend, cluster_name: str, principal_arn: str, kubernetes_groups: list[str],
                        username: str | None, entry_type: str, tags: dict[str, str], token: str | None) -> AccessEntry:
    cluster = _cluster(backend, cluster_name)
    existing = cluster.access_entries.get(principal_arn)
    if existing is not None:
        if token and existing.client_request_token == token:
            return existing  # a retry of the same request (the SDK always sends a token)
        raise ResourceInUseException(
            clusterName=cluster_name, message="The specified access entry resource is already in use on this cluster."
        )
    _check_principal(principal_arn)
    if entry_type not in ENTRY_TYPES:
        raise InvalidParameterException(message=f"type must be one of {', '.join(ENTRY_TYPES)}")
    entry = AccessEntry(cluster, principal_arn, kubernetes_groups, username, entry_type, tags, token)
    cluster.access_entries[principal_arn] = entry
    return entry


# --- the responses (Moto routes by the API's method and path) -----------------


def create_access_entry_response(self: EKSResponse) -> ActionResult:
    entry = create_access_entry(
        self.eks_backend,
        cluster_name=self._get_param("name"),
        principal_arn=self._get_param("principalArn"),
        kubernetes_groups=list(self._get_param("kubernetesGroups") or []),
        username=self._get_param("username"),
        entry_type=self._get_param("type") or "STANDARD",
        tags=self._get_param("tags") or {},
        token=self._get_param("clientRequestToken"),
    )
    return ActionResult({"accessEntry": entry})


def describe_access_entry_response(self: EKSResponse) -> ActionResult:
    cluster = _cluster(self.eks_backend, self._get_param("name"))
    return ActionResult({"accessEntry": _entry(cluster, self._get_param("principalArn"))})


def list_access_entries_response(self: EKSResponse) -> ActionResult:
    cluster = _cluster(self.eks_backend, self._get_param("name"))
    policy = self._get_param("associatedPolicyArn")
    arns = [arn for arn, entry in cluster.access_entries.items() if policy is None or policy in entry.policies]
    return ActionResult({"accessEntries": sorted(arns)})


def delete_access_entry_response(self: EKSResponse) -> ActionResult:
    cluster = _cluster(self.eks_backend, self._get_param("name"))
    del cluster.access_entries[_entry(cluster, self._get_param("principalArn")).principal_arn]
    return EmptyResult()


def associate_access_policy_response(self: EKSResponse) -> ActionResult:
    cluster = _cluster(self.eks_backend, self._get_param("name"))
    entry = _entry(cluster, self._get_param("principalArn"))
    policy_arn = self._get_param("policyArn")
    if not POLICY_ARN.match(policy_arn or ""):
        raise InvalidParameterException(
            clusterName=cluster.name,
            message=f"policyArn {policy_arn} is not an EKS access policy (arn:aws:eks::aws:cluster-access-policy/<name>)",
        )
    associated = _associate(entry, policy_arn, _scope(self._get_param("accessScope")))
    return ActionResult({"clusterName": cluster.name, "principalArn": entry.principal_arn, "associatedAccessPolicy": associated})


def disassociate_access_policy_response(self: EKSResponse) -> ActionResult:
    cluster = _cluster(self.eks_backend, self._get_param("name"))
    entry = _entry(cluster, self._get_param("principalArn"))
    policy_arn = self._get_param("policyArn")
    if entry.policies.pop(policy_arn, None) is None:
        raise ResourceNotFoundException(
            clusterName=cluster.name, message=f"The policy {policy_arn} is not associated with {entry.principal_arn}."
        )
    return EmptyResult()


def list_associated_access_policies_response(self: EKSResponse) -> ActionResult:
    cluster = _cluster(self.eks_backend, self._get_param("name"))
    entry = _entry(cluster, self._get_param("principalArn"))
    return ActionResult({
        "clusterName": cluster.name,
        "principalArn": entry.principal_arn,
        "associatedAccessPolicies": list(entry.policies.values()),
    })


def install() -> None:
    # Flask matches the decoded path, where a principal ARN's slashes are path separators; the
    # operation and its labels come from Moto's router, which reads the raw (encoded) path.
    urls.url_paths["{0}/clusters/(?P<name>[^/]+)/access-entries$"] = urls.response.dispatch
    urls.url_paths["{0}/clusters/(?P<name>[^/]+)/access-entries/(?P<principalArn>.+)$"] = urls.response.dispatch
    EKSResponse.create_access_entry = create_access_entry_response  # type: ignore[attr-defined]
    EKSResponse.describe_access_entry = describe_access_entry_response  # type: ignore[attr-defined]
    EKSResponse.list_access_entries = list_access_entries_response  # type: ignore[attr-defined]
    EKSResponse.delete_access_entry = delete_access_entry_response  # type: ignore[attr-defined]
    EKSResponse.associate_access_policy = associate_access_policy_response  # type: ignore[attr-defined]
    EKSResponse.disassociate_access_policy = disassociate_access_policy_response  # type: ignore[attr-defined]
    EKSResponse.list_associated_access_policies = list_associated_access_policies_response  # type: ignore[attr-defined]
