"""The weekly ops report: one self-contained HTML file built from the marts."""
