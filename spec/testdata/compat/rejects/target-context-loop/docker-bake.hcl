target "a" { contexts = { b = "target:b" } }
target "b" { contexts = { a = "target:a" } }
group "default" { targets = ["a"] }
