"""Mining: performance-fix commits from history, and the curated catalog."""
