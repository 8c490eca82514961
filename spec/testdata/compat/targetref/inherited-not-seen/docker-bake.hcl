target "base" {
  args = { A = "1" }
  tags = ["repo/base"]
}
target "child" {
  inherits = ["base"]
  args = { B = "2" }
}
target "default" {
  args = { CHILD_ARGS = jsonencode(target.child.args) }
  tags = target.child.tags
}
