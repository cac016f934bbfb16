"""Pydantic models for request bodies and response documents."""
