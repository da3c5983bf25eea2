"""Reports over a study's coding: stats, sequences, quotes, the stage-progression view and the coding manual."""
