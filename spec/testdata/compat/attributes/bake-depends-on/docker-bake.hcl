target "a" {
  depends_on = ["b"]
}
target "b" {}
group "default" { targets = ["a"] }
