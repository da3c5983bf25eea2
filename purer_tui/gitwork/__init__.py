"""Teamwork over git: readable diffs, a merge driver keyed by turn, set-up, conflict resolution and transcript history.

Git is the distributed engine: these modules make its diffs and merges
understand annotation files instead of inventing another way to sync.
"""
