"""The benchmark's parts: the plain-SQL floor, the pandas way, measuring and reporting."""
