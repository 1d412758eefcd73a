"""Review and selection: rounds and rubrics, the reviewer pool, conflicts, assignment, ranking.

Everything here is pure (no I/O, no plugins). :mod:`.rounds` holds what a call declares
(``[[calls.review.rounds]]``), :mod:`.pool` the reviewers, :mod:`.conflicts` who may not
review what, :mod:`.assignment` the seeded, balanced assignment and its checker,
:mod:`.scores` the reviews reviewers give and :mod:`.ranking` the explained ranking.
"""
