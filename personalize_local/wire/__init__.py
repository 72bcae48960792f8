"""The wire: requests to (service, operation, params) and results to HTTP, driven by botocore's models."""
