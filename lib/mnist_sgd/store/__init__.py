"""The report folder and the project's paths: its layout, atomic writes, stamps, result tables and the one lock."""
