"""QuietWatch's store: configuration, SQLModel models, sessions, writes, reads, migrations."""
