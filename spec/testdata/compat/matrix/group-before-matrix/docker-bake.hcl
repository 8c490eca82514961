group "ci" {
  targets = ["x"]
}
target "x" {}
target "ci" {
  matrix = { v = ["a", "b"] }
  name = "ci-${v}"
}
