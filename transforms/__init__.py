"""Pure pandas transforms: raw publisher rows -> canonical rows. No I/O here."""
