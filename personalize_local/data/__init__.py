"""Data layer: Avro schemas, dataset rules, CSV import and export."""
