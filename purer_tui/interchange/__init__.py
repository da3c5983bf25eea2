"""Interchange: CSV for R and pandas, REFI-QDA exports (QDPX projects, QDC codebooks), codebook import."""
