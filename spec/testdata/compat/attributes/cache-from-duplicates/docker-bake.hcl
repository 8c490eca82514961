# Duplicates in cache-from (here through a variable equal to a literal):
# bake removes them in its own order, at every merge.
variable "user" {
  default = "org"
}
target "parent" {
  cache-from = ["type=registry,ref=${user}/c:a", "type=registry,ref=${user}/c:b", "type=registry,ref=org/c:a", "type=registry,ref=org/c:b"]
}
target "default" {
  inherits   = ["parent"]
  cache-from = ["type=registry,ref=org/c:a", "type=registry,ref=org/c:x", "type=registry,ref=org/c:y", "type=registry,ref=${user}/c:a", "type=registry,ref=org/c:x"]
  output     = ["type=docker", "type=cacheonly", "type=docker"]
}
