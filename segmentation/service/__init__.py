"""service stage of the pipeline."""
