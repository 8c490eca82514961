# One key keeps its values' order. (With several keys, bake's order is
# not deterministic: it walks a Go map. See docs/bake-compat.md.)
target "x" {
  name = "x-${v}"
  matrix = { v = ["2", "1", "3"] }
}
