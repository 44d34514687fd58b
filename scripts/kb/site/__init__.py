"""The site from the model: the page plan, the templates and the renderer, comparisons, open data, diagrams."""
