builder "spare" { # WARNING(unused-builder): Unused builder @9
  driver   = "remote"
  endpoint = "tcp://127.0.0.1:1"
}
builder "used" {
  driver   = "remote"
  endpoint = "tcp://127.0.0.1:2"
}
builder "main" {
  driver   = "remote"
  endpoint = "tcp://127.0.0.1:3"
  default  = true
}
target "app" {
  builder           = "used"
  dockerfile-inline = "FROM scratch"
  output            = ["type=cacheonly"]
}
target "other" {
  dockerfile-inline = "FROM scratch"
  output            = ["type=cacheonly"]
}
