target "ci" {
  matrix = { v = ["a", "b"] }
  name = "ci-${v}"
}
target "x" {}
group "ci" {
  targets = ["x"]
}
