"""Document kinds, one definition for every stage: what a corpus document is.

``plan`` a work plan; ``summary`` a work summary; ``summary_and_plan`` both in one document;
``not_union`` a document that is not about union work (a hospital's business plan).
"""

from __future__ import annotations

KINDS = ("plan", "summary", "summary_and_plan", "not_union")
KIND_NAMES = {"plan": "工作计划", "summary": "工作总结", "summary_and_plan": "总结与计划", "not_union": "其他材料"}
# Documents that read as plans: what a plan is compared with.
PLAN_KINDS = ("plan", "summary_and_plan")
# Documents about union work: what a draft may borrow from.
UNION_KINDS = ("plan", "summary_and_plan", "summary")
