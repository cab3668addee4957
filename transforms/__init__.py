"""What all publishers share: the canonical schema and its validation, months, area codes, column helpers,
the canonical CSV. Pure: no I/O here."""
