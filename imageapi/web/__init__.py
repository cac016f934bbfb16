"""HTTP glue shared by resources: media handlers, error mapping, body parsing."""
