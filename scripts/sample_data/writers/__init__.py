"""Writers: one module per export format, each mapping neutral records onto a real schema."""
