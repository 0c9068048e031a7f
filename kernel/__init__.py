"""The kernel below every app: the error types and their one shape, the API base, tabular input and output.

Every app may import it; it imports none of them (import-linter checks the layers).
"""
