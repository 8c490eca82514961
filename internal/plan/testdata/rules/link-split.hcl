builder "pool" {
  driver  = "remote"
  default = true
  node "n1" {
    endpoint  = "tcp://127.0.0.1:1"
    platforms = ["linux/amd64"]
  }
  node "n2" {
    endpoint  = "tcp://127.0.0.1:2"
    platforms = ["linux/arm64"]
  }
}
target "base" {
  platforms         = ["linux/amd64", "linux/arm64"]
  dockerfile-inline = "FROM scratch"
  output            = ["type=cacheonly"]
}
target "app" {
  platforms         = ["linux/arm64"]
  contexts          = { base = "target:base" } # WARNING(link-split): Linked targets on different nodes @32
  dockerfile-inline = "FROM base"
  output            = ["type=cacheonly"]
}
