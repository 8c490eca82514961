variable "TAG" {
  default = "1.0"
  typo    = 1 # ERROR: Unsupported argument @3
}
taget "x" {} # ERROR: Unsupported block type @1
target "app" {
  tagz     = ["a"] # ERROR: Unsupported argument @3
  inherits = ["bsae"] # ERROR: Unknown target @15
  args     = { X = upper(TAGG) } # ERROR: Unknown variable @26
  builder  = "farm" # ERROR: Unknown builder @14
  contexts = { b = "target:bse" } # ERROR: Unknown target @20
  depends_on = ["nope"] # ERROR: Unknown target @17
}
target "base" {}
group "default" {
  targets = ["ap"] # ERROR: Unknown target @14
}
