"""`make bench`: understanding quality per locale and serving speed, measured and reported."""
