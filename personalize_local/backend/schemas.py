"""Schemas: CreateSchema, DescribeSchema, ListSchemas, DeleteSchema."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..data.schemas import Schema, SchemaError, parse_schema
from ..errors import InvalidInputException
from . import quotas
from .core import BackendCore, Resource

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


class SchemasMixin(BackendCore):
    def create_schema(self, name: str, schema: str, domain: str | None = None) -> dict[str, Any]:
        try:
            parsed = parse_schema(schema, domain)
        except SchemaError as error:
            raise InvalidInputException(f"Invalid schema for 'schema': {error}") from None
        quotas.SCHEMAS.check(self.find(KIND))
        created = self.add(KIND, DatasetSchema(arn=self.arn(KIND, name), name=name, text=schema, parsed=parsed, domain=domain))
        return {"schemaArn": created.arn}

    def describe_schema(self, schema_arn: str) -> dict[str, Any]:
        return {"schema": self.get(KIND, schema_arn).describe()}

    def list_schemas(self, next_token: str | None = None, max_results: int | None = None) -> dict[str, Any]:
        return self.list_page(KIND, "schemas", next_token, max_results)

    def delete_schema(self, schema_arn: str) -> None:
        self.get(KIND, schema_arn)
        self.refuse_if_used(schema_arn, self.find("dataset", lambda d: d.schema_arn == schema_arn), "dataset")
        self.remove(KIND, schema_arn)
