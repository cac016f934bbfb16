"""Falcon resources: translate HTTP to service calls and back."""
