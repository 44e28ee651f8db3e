"""The shared domain layer: what every stage knows about union plans, read from ``drafter/data/``.

``units``      unit types: ids, names, aliases, drafting profiles (how a unit speaks)
``era``        the political framing of a plan year, stale terms, the year's own items
``calendar``   dated events of the year (lunar festivals converted) for the schedule
``taxonomy``   the canonical section taxonomy (sections.yaml): labels for headings, corpus stats
``sections``   how a draft's outline phrases each section, its keywords, its layout
``brief``      a brief's asks, parsed
``catalogue``  the work-item catalogue: what a plan of a unit carries, tiered
``facts``      the unit's own facts (人数, 主席, 经费…) and the slots they fill
``request``    :class:`DraftRequest`: one resolved request for a draft, built once at the edge

Nothing here imports a stage (ingestion, index, draft, evaluate); the stages import this.
"""
