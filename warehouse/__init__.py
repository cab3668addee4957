"""The SQL warehouse: tables, engine factory, migrations, and the revision-keeping upsert."""
