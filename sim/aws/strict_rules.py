"""What strict requests share (sim/aws/strict.py): the models, a violation, and the rules both
the query and the JSON judges apply (enum, min/max)."""

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from botocore.loaders import create_loader
from botocore.model import OperationModel, ServiceModel, Shape

INTEGER = re.compile(r"^-?\d+$")
BOOLEANS = {"true": True, "false": False}


@dataclass(frozen=True)
class Violation:
    kind: str  # unknown | missing | type | constraint | malformed
    name: str  # the parameter as the wire names it
    rule: str


@cache
def _loader() -> Any:
    return create_loader()


@cache
def service_model(service: str) -> ServiceModel:
    return ServiceModel(_loader().load_service_model(service, "service-2"), service_name=service)


def find_operation(service: str, name: str) -> OperationModel | None:
    model = service_model(service)
    return model.operation_model(name) if name in model.operation_names else None


def join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def limits(value: Any, shape: Shape, name: str, measure: str, check_min: bool = True) -> list[Violation]:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if check_min and low is not None and value < low:
        return [Violation("constraint", name, f"Member must have {measure} greater than or equal to {low}")]
    if high is not None and value > high:
        return [Violation("constraint", name, f"Member must have {measure} less than or equal to {high}")]
    return []


def string_rules(value: str, shape: Shape, name: str, check_min: bool = True) -> list[Violation]:
    if shape.enum and value not in shape.enum:
        return [Violation("constraint", name, f"Member must satisfy enum value set: [{', '.join(shape.enum)}]")]
    return limits(len(value), shape, name, "length", check_min)
