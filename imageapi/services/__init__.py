"""Domain services: the use cases resources call."""
