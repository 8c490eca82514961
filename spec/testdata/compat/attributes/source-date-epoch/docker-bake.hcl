group "default" { targets = ["a", "b"] }
target "a" {}
target "b" {
  args = { SOURCE_DATE_EPOCH = "1" }
}
