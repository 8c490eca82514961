group "default" { targets = ["y"] }
target "y" {}
