"""Fonts (with their licences) and images the documents use, shipped as the package
`reportgen.assets` (pyproject maps this folder there); read them through reportgen.resources."""
