"""Evaluate plans: parse any plan (md/txt/docx), score it, and run eval suites.

``parse``      a plan file or text → :class:`drafter.evaluate.parse.ParsedPlan` (labelled sections)
``base``       MetricResult, PlanContext and the text helpers every metric shares
``metrics``    structure, brief and kind metrics, and the ``METRICS`` registry
``faults``     the fault metrics (placeholders, boilerplate, foreign words, years, copying…)
``reference``  corpus statistics the metrics compare against (section weights, n-grams), cached
``score``      :func:`drafter.evaluate.score.score` → :class:`ScoreReport` (the ``overall`` formula)
``suite``      :func:`drafter.evaluate.suite.run_eval` over a suite of briefs
``gate``       thresholds and baselines of eval runs
``report``     report.json / report.md / coverage.png of an eval run
"""
