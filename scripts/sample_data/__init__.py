"""Sample-data generator for mlcost: a simulated ML company's billing exports and job tables.

``world`` simulates the company and yields provider-neutral records (``model``); the modules
in ``writers`` turn them into each cloud's real export formats; ``truth`` computes the ground
truth the dbt marts are tested against, from the simulation rather than from the files.
"""

VERSION = "1.0.0"
