"""Stage: batches. A checked upload becomes a batch (`pipeline`), is approved (`approval`) or
rolled back (`rollback`); `setup` creates the database and loads the illustrative `sample`."""
