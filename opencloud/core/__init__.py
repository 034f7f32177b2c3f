"""The innermost layer: errors, ids and path rules. Imports nothing else of ours."""
