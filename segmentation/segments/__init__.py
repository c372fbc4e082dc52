"""segments stage of the pipeline."""
