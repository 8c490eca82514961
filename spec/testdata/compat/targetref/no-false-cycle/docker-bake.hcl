target "a" {
  args = { X = "1" }
  tags = ["repo/a:${target.b.args.Y}"]
}
target "b" {
  args = { Y = target.a.args.X }
}
group "default" { targets = ["a", "b"] }
