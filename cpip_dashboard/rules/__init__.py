"""Stage: the rules. RAG levels (`rag`), the register as at a meeting (`register`), the
planning review (`review`), indicator comparisons and trends (`indicators`, `stats`), tiles,
values and provenance. They receive rows or frames and never query the database."""
