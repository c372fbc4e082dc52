"""economics stage of the pipeline."""
