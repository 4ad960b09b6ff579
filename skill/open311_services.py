"""The knowledge base's service types as Open311 sees them: content in, GeoReport types out.

Lives in skill/ because it is the one place that may import both packages.
"""

from __future__ import annotations

from knowledge_base import KnowledgeBase
from knowledge_base.services_model import ServiceType as ContentServiceType
from open311.types import AttributeValue, Service, ServiceAttribute, ServiceType


def open311_services(kb: KnowledgeBase) -> list[ServiceType]:
    return [_service(kind) for kind in kb.content.service_types]


def _service(kind: ContentServiceType) -> ServiceType:
    attributes = tuple(
        ServiceAttribute(
            code=a.code,
            datatype=a.datatype,
            required=a.required,
            description=a.question,
            order=i + 1,
            values=tuple(AttributeValue(v.key, v.name) for v in a.values),
        )
        for i, a in enumerate(kind.attributes)
    )
    return ServiceType(
        service=Service(
            service_code=kind.code,
            service_name=kind.name,
            description=kind.description,
            metadata=bool(attributes),
            keywords=kind.keywords,
            group=kind.group,
        ),
        attributes=attributes,
    )
