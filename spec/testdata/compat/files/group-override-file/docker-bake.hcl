group "default" { targets = ["x"] }
target "x" {}
