"""Use cases that combine the core with git, or read and write several of a study's files at once.

They sit between the front ends (the command line, the coding app) and the core and its capabilities:
preparing a coding session, re-anchoring a study, starting one, and reporting a bug without its data.
"""
