"""Generated documentation: tools/*.json, the tool tables in README.md and SKILL.md, manifest.json."""
