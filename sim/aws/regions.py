"""Availability zones for any region name.

Moto only knows the zones of the regions in its table; in any other region
(new, isolated or made up by a test) subnets cannot be created. Such a region
gets zones `a`, `b` and `c` on first use.
"""

from typing import Any

from moto.ec2.models.availability_zones_and_regions import RegionsAndZonesBackend, Zone

_orig_describe_zones = RegionsAndZonesBackend.describe_availability_zones


def describe_availability_zones(self: Any, *args: Any, **kwargs: Any) -> Any:
    region = self.region_name
    if region not in RegionsAndZonesBackend.zones:
        short = "".join(part[:2] for part in region.split("-"))
        RegionsAndZonesBackend.zones[region] = [
            Zone(region_name=region, name=f"{region}{letter}", zone_id=f"{short}-az{n}")
            for n, letter in enumerate("abc", start=1)
        ]
    return _orig_describe_zones(self, *args, **kwargs)


def install() -> None:
    RegionsAndZonesBackend.describe_availability_zones = describe_availability_zones  # type: ignore[method-assign]
