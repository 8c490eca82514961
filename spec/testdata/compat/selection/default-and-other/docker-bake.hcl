group "default" { targets = ["a"] }
target "a" {}
target "b" {}
