variable "TAG" {
  default = "1.0"
}
variable "PLATFORMS" {
  type    = list(string)
  default = ["linux/amd64", "linux/arm64"]
}
function "img" {
  params = [name]
  result = "example.com/${name}:${TAG}"
}
builder "farm" {
  driver = "remote"
  node "amd" {
    endpoint  = "tcp://127.0.0.1:1234"
    platforms = ["linux/amd64"]
  }
}
group "default" {
  targets = ["app", "tools"]
}
target "_base" {
  args   = { BASE = "scratch" }
  labels = { team = "core" }
}
target "app" {
  inherits  = ["_base"]
  context   = "app"
  contexts  = { deps = "target:deps" }
  tags      = [img("app")]
  platforms = PLATFORMS
  output    = ["type=image,push=true", { type = "oci", dest = "out/app.tar" }]
  builder   = "farm"
  depends_on = ["tools"]
}
target "deps" {
  context = "deps"
  dockerfile-inline = "FROM scratch\n"
}
target "tools" {
  matrix = { tool = ["lint", "test"] }
  name   = "tools-${tool}"
  target = tool
  args   = { TOOL = tool, N = 2, ON = true }
}
