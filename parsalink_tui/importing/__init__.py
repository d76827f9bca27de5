"""CSV import: reading bytes into records, mapping headers to contact fields, and the job runner."""
