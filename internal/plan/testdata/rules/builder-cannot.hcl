# OPTIONS: engine=old:20.10.24+dfsg1 engine=new:24.0.7:containerd engine=classic:27.3.1 engine=containerd:27.3.1:containerd
builder "old" {
  driver = "docker"
}
builder "new" {
  driver = "docker"
}
target "base" {
  builder           = "old"
  dockerfile-inline = "FROM scratch"
  output            = ["type=cacheonly"]
}
target "app" {
  builder           = "old"
  contexts          = { base = "target:base" } # ERROR(builder-cannot): Builder cannot do this @32
  dockerfile-inline = "FROM base"
  output            = ["type=cacheonly"]
}
target "fine" {
  builder           = "new"
  contexts          = { base = "target:base" }
  dockerfile-inline = "FROM base"
  output            = ["type=cacheonly"]
}
builder "classic" {
  driver = "docker"
}
builder "containerd" {
  driver = "docker"
}
target "two" {
  builder   = "classic"
  platforms = ["linux/amd64", "linux/arm64"] # ERROR(builder-cannot): Builder cannot do this @16
  output    = ["type=cacheonly"]
}
target "one" {
  builder   = "classic"
  platforms = ["linux/arm64"]
  output    = ["type=cacheonly"]
}
target "store" {
  builder   = "containerd"
  platforms = ["linux/amd64", "linux/arm64"]
  output    = ["type=cacheonly"]
}
