target "base" {
  args = { A = "1" }
  tags = ["repo/base"]
}
target "child" {
  inherits = ["base"]
  args = { B = "2" }
}
target "default" {
  args = { FROM_BASE = target.base.args.A, CHILD_B = target.child.args.B }
  tags = target.base.tags
}
