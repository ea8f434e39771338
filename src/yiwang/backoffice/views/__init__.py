"""The back office's pages, one module per area: home, the work queue, tasks, materials."""
