"""Stage: reading and checking an upload. The bounded read (`reading`, `worker`), the sheet
layout and kinds, the checks (`checks`, `schemas`), what would change (`diff`, `preview`) and the
problems found (`problems`). The commit into a batch is `batches.pipeline`."""
