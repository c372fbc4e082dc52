"""intake stage of the pipeline."""
