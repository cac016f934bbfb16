"""imageapi: a self-hosted image service on Falcon and libvips."""

__version__ = "1.0.0"
