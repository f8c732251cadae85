"""Views of a diagnosis: the findings and the blames, as a terminal table, Markdown or JSON (`diagnose`), and
`analyze`'s `findings` section, which shows the same records with the same words."""
