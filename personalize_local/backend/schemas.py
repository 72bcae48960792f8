"""Schemas: CreateSchema, DescribeSchema, ListSchemas, DeleteSchema."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from ..data.schemas import Schema, SchemaError, parse_schema
from ..errors import InvalidInputException
from . import quotas
from .core import BackendCore, Resource
from .store import Store

KIND = "schema"


@dataclass(kw_only=True)
class DatasetSchema(Resource):
    text: str
    parsed: Schema
    domain: str | None = None

    def describe(self) -> dict[str, Any]:
        return {**self.summary(), "schema": self.text}

    def summary(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "schemaArn": self.arn,
            "creationDateTime": self.creation_date_time,
            "lastUpdatedDateTime": self.last_updated_date_time,
            "domain": self.domain,
        }


class SchemasService:
    """The dataset schemas of one account and region."""

    OPERATIONS: ClassVar[tuple[str, ...]] = ("CreateSchema", "DescribeSchema", "ListSchemas", "DeleteSchema")

    def __init__(self, core: BackendCore) -> None:
        self.core = core
        self.schemas: Store[DatasetSchema] = Store(core, KIND)

    def create_schema(self, name: str, schema: str, domain: str | None = None) -> dict[str, Any]:
        try:
            parsed = parse_schema(schema, domain)
        except SchemaError as error:
            raise InvalidInputException(f"Invalid schema for 'schema': {error}") from None
        quotas.SCHEMAS.check(self.schemas.find())
        created = self.schemas.add(DatasetSchema(arn=self.schemas.arn(name), name=name, text=schema, parsed=parsed, domain=domain))
        return {"schemaArn": created.arn}

    def describe_schema(self, schema_arn: str) -> dict[str, Any]:
        return {"schema": self.schemas.get(schema_arn).describe()}

    def list_schemas(self, next_token: str | None = None, max_results: int | None = None) -> dict[str, Any]:
        return self.schemas.list_page("schemas", next_token, max_results)

    def delete_schema(self, schema_arn: str) -> None:
        self.schemas.get(schema_arn)
        self.core.refuse_delete_if_used(KIND, schema_arn)
        self.schemas.remove(schema_arn)
