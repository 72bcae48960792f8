"""Batch jobs' files: JSON Lines in, one output line per input line out, and the item attribute queries of segments."""
