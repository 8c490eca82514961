group "default" { targets = ["a"] }
group "other" { targets = ["a", "nope"] }
target "a" {}
