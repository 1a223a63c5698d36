"""The conformance engine: scenario model, browser journey, verdicts, results and reports.

Data flows one way: scenario YAML -> validated model -> journey in a real browser ->
evidence -> checks -> verdicts (JSON lines) -> report writers.
"""
