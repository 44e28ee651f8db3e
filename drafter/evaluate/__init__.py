"""Evaluate plans: parse any plan (md/txt/docx), score it, and run eval suites.

``parse``      a plan file or text → :class:`drafter.evaluate.parse.ParsedPlan` (labelled sections)
``metrics``    one pure function per metric → :class:`drafter.evaluate.metrics.MetricResult`
``reference``  corpus statistics the metrics compare against (section weights, n-grams), cached
``score``      :func:`drafter.evaluate.score.score` → :class:`ScoreReport` (the ``overall`` formula)
``suite``      :func:`drafter.evaluate.suite.run_eval` over a suite of briefs
``report``     report.json / report.md / coverage.png of an eval run
"""
