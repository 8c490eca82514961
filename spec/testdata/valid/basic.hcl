variable "TAG" {
  default = "1.0"
}
variable "REGISTRY" {
  default = "example.com"
  validation {
    condition = REGISTRY != ""
    error_message = "REGISTRY must not be empty."
  }
}
function "img" {
  params = [name]
  result = "${REGISTRY}/${name}:${TAG}"
}
group "default" {
  targets = ["app", "lint"]
}
target "_common" {
  args = { GO_VERSION = "1.26" }
  labels = { "org.opencontainers.image.source" = "https://example.com/repo" }
}
target "base" {
  context = "app"
  dockerfile = "Dockerfile.base"
}
target "app" {
  inherits = ["_common"]
  context = "app"
  contexts = { base = "target:base" }
  tags = [img("app"), "${REGISTRY}/app:latest"]
  platforms = ["linux/amd64", "linux/arm64"]
  output = ["type=image,push=true", { type = "local", dest = "out" }]
  secret = ["id=npm,src=.npmrc"]
  args = { EXTRA = "x${TAG}" }
}
target "lint" {
  matrix = { go = ["1.25", "1.26"] }
  name = "lint-${replace(go, ".", "-")}"
  args = { GO = go }
  tags = target.app.tags
}
