"""Training runs callable from Python: RunConfig, run(), and the run folders they write."""
