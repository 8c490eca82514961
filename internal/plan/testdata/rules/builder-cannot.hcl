# OPTIONS: engine=old:20.10.24+dfsg1 engine=new:24.0.7
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
