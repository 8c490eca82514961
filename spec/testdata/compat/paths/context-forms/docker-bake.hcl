target "a" { context = "." }
target "b" { context = "./" }
target "c" { context = "sub/../other" }
target "d" { context = "/abs/dir/" }
target "e" { context = "https://github.com/docker/buildx.git#master" }
group "default" { targets = ["a", "b", "c", "d", "e"] }
