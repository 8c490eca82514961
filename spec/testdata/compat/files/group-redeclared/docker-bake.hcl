group "default" { targets = ["x"] }
group "default" { targets = ["y"] }
target "x" {}
target "y" {}
