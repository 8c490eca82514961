# A bake file in a subdirectory: bake resolves its paths against the
# working directory, not the file's.
target "a" {
  context  = "."
  contexts = { lib = "../lib", img = "docker-image://alpine" }
  output   = ["type=local,dest=out"]
  secret   = ["id=s,src=secret.txt"]
}
target "b" {
  inherits   = ["a"]
  dockerfile = "x/Dockerfile"
}
target "c" {}
