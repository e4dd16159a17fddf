"""Stage: the database. Tables (`models`), engines and transactions (`db`), which rows are
current (`current`), read queries (`queries`), reference data (`reference`, `areas`) and the
hash-chained audit trail (`audit`). Imports nothing above it."""
