"""Templates, phrase tables and the bibliography, shipped as the package `reportgen.templates`
(pyproject maps this folder there); read them through reportgen.resources."""
